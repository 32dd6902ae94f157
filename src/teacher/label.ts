// Step 2 as a file job (`ernie-slim label`): texts in, the teacher's labels (and logits) out, streaming,
// with --resume continuing an interrupted --output from its last complete window.
import fs from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { writeFailure, writeFileAtomic } from '../data/atomic-file.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { readTexts, type TextRow } from '../data/tsv-reader.js';
import { checkReadableFile } from '../data/line-reader.js';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { fsReason } from '../data/fs-errors.js';
import { fileDigest } from '../distill/file-digest.js';
import { defaultWindow, labelWindows, type LabeledWindow } from './labeler.js';
import { Teacher, type TeacherOptions } from './teacher.js';

export interface LabelOptions extends TeacherOptions {
  teacher: string | string[];
  /** Input file, or '-' for stdin. */
  input?: string;
  /** Output file; stdout when absent. */
  output?: string;
  soft?: boolean;
  /** With `soft`, also a `probs` column: softmax(logits / T). */
  temperature?: number;
  batchSize?: number;
  maxTokens?: number;
  window?: number;
  resume?: boolean;
  skipBadLines?: boolean;
  /** Names of the teacher's logit columns for the label column (default: the model's metadata, else the index). */
  labelNames?: readonly string[];
  /** Called after each window with the rows done so far. */
  onProgress?: (rows: number) => void;
}

export interface LabelResult {
  rows: number;
  /** Rows found complete in an interrupted output and kept. */
  resumedRows: number;
  skippedBadLines: number;
  labels: number;
  seconds: number;
  rowsPerSecond: number;
  device: string;
  output: string | null;
}

/** The stable name of an unfinished --output: it never looks complete, and --resume continues it. */
export const partialPathOf = (output: string) => `${output}.partial`;

/** What made a partial output (input, teacher, options), kept beside it so --resume never mixes two runs. */
export const partialRecordPathOf = (output: string) => `${output}.partial.json`;

const RECORD_FORMAT = 'ernie-slim label partial 1';

export async function label(options: LabelOptions): Promise<LabelResult> {
  const batchSize = options.batchSize ?? 64;
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError(`--batch-size must be a positive integer (got ${options.batchSize})`);
  if (!(maxTokens >= (options.maxLength ?? 128)))
    throw new UsageError(`--max-tokens must be at least --max-len (got ${options.maxTokens})`);
  if (options.temperature !== undefined && !(options.temperature > 0))
    throw new UsageError(`--temperature must be positive (got ${options.temperature})`);
  if (options.resume && !options.output) throw new UsageError('--resume needs --output (stdout cannot be resumed)');
  if (options.window !== undefined && (!Number.isInteger(options.window) || options.window < 1)) {
    throw new UsageError(`--window must be a positive integer (got ${options.window})`);
  }
  const window = options.window ?? defaultWindow(batchSize);
  const input = options.input ?? '-';
  // Checked before the teacher opens and before any OUTPUT.partial exists.
  if (input !== '-') checkReadableFile(input);
  const teachers = typeof options.teacher === 'string' ? [options.teacher] : options.teacher;
  if (options.output !== undefined) {
    const inputs = { '--input': input, '--teacher': teachers.filter((t) => !isUrl(t)), '--vocab': options.vocab };
    refuseOutputOverInput({ flag: '--output', file: options.output }, inputs);
    refuseOutputOverInput({ flag: '--output', file: partialPathOf(options.output) }, inputs);
  }

  const started = performance.now();
  const teacher = await Teacher.open(options.teacher, options);
  const policy = new BadLinePolicy(options.skipBadLines ?? false);
  let sink: LabelSink | undefined;
  let rows = 0;
  let resumedRows = 0;
  try {
    // The teacher opened first: its own checks name a bad teacher or vocabulary better than a digest could.
    const record = options.output ? await runRecord(options, input, teachers) : null;
    sink = options.output
      ? await FileSink.open(options.output, options.resume ?? false, window, record!)
      : new StdoutSink();
    resumedRows = sink.keptRows;
    const source = skipRows(readTexts(input, { policy }), resumedRows);
    for await (const labeled of labelWindows(source, teacher, { batchSize, maxTokens, window })) {
      await sink.write(
        formatWindow(
          labeled,
          options.labelNames ?? teacher.labelNames,
          options,
          rows + resumedRows === 0 && !sink.hasHeader,
        ),
      );
      rows += labeled.rows.length;
      options.onProgress?.(rows + resumedRows);
    }
    if (rows + resumedRows === 0 && !sink.hasHeader)
      await sink.write('text_a\tlabel' + (options.soft ? '\tlogits' : '') + '\n');
    await sink.finish();
  } catch (err) {
    // A partial output without a labeled row is nothing to resume: it goes, with its record.
    await sink?.fail(rows + resumedRows === 0);
    throw err;
  } finally {
    await teacher.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows: rows + resumedRows,
    resumedRows,
    skippedBadLines: policy.skipped,
    labels: teacher.labels,
    seconds,
    rowsPerSecond: rows / seconds,
    device: teacher.device,
    output: options.output ?? null,
  };
}

const isUrl = (s: string) => /^https?:\/\//.test(s);

/** What a partial output records about its run; --resume continues only a run that matches in every field. */
interface RunRecord {
  format: string;
  input: string;
  teachers: string[];
  vocab: string | null;
  soft: boolean;
  temperature: number | null;
  maxLength: number;
  lowercase: boolean;
  labelNames: readonly string[] | null;
}

async function digestOf(file: string, flag: string): Promise<string> {
  try {
    return `sha256:${await fileDigest(file)}`;
  } catch (err) {
    throw new InputError(`cannot read (${flag}): ${fsReason(err)}`, file);
  }
}

async function runRecord(options: LabelOptions, input: string, teachers: readonly string[]): Promise<RunRecord> {
  return {
    format: RECORD_FORMAT,
    // stdin cannot be digested: a resumed stdin run must be given the same text again.
    input: input === '-' ? '<stdin>' : await digestOf(input, '--input'),
    teachers: await Promise.all(teachers.map((t) => (isUrl(t) ? t : digestOf(t, '--teacher')))),
    vocab: options.vocab ? await digestOf(options.vocab, '--vocab') : null,
    soft: options.soft ?? false,
    temperature: options.temperature ?? null,
    maxLength: options.maxLength ?? 128,
    lowercase: options.lowercase ?? true,
    labelNames: options.labelNames ?? null,
  };
}

const recordFieldNames: Record<keyof RunRecord, string> = {
  format: 'format',
  input: 'the input (--input)',
  teachers: 'the teacher (--teacher)',
  vocab: 'the vocabulary (--vocab)',
  soft: '--soft',
  temperature: '--temperature',
  maxLength: '--max-len',
  lowercase: '--lowercase',
  labelNames: 'the label names',
};

/** The first field in which a partial's record differs from this run, or null. */
function recordMismatch(kept: RunRecord, now: RunRecord): string | null {
  for (const key of Object.keys(recordFieldNames) as (keyof RunRecord)[]) {
    if (JSON.stringify(kept[key] ?? null) !== JSON.stringify(now[key] ?? null)) return recordFieldNames[key];
  }
  return null;
}

async function* skipRows(rows: AsyncIterable<TextRow>, n: number): AsyncGenerator<TextRow> {
  let seen = 0;
  for await (const row of rows) if (seen++ >= n) yield row;
}

function formatWindow(
  w: LabeledWindow,
  names: readonly string[] | null,
  options: LabelOptions,
  withHeader: boolean,
): string {
  const pairs = w.rows[0]?.textB !== undefined;
  const parts: string[] = [];
  if (withHeader) {
    parts.push(
      [
        'text_a',
        ...(pairs ? ['text_b'] : []),
        'label',
        ...(options.soft ? ['logits'] : []),
        ...(options.soft && options.temperature !== undefined ? ['probs'] : []),
      ].join('\t') + '\n',
    );
  }
  const c = w.labels;
  for (let r = 0; r < w.rows.length; r++) {
    const row = w.rows[r]!;
    const logits = w.logits.subarray(r * c, (r + 1) * c);
    let best = 0;
    for (let j = 1; j < c; j++) if (logits[j]! > logits[best]!) best = j;
    let line = cleanField(row.textA);
    if (pairs) line += '\t' + cleanField(row.textB ?? '');
    line += '\t' + (names?.[best] ?? String(best));
    if (options.soft) {
      line += '\t' + Array.from(logits, (x) => x.toFixed(6)).join(',');
      if (options.temperature !== undefined)
        line +=
          '\t' +
          softmax(logits, options.temperature)
            .map((p) => p.toFixed(6))
            .join(',');
    }
    parts.push(line + '\n');
  }
  return parts.join('');
}

// A text read from plain lines may hold a tab; in the TSV output it would shift the columns.
function cleanField(text: string): string {
  return text.includes('\t') ? text.replace(/\t/g, ' ') : text;
}

function softmax(logits: Float32Array, temperature: number): number[] {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x / temperature);
  const exps = Array.from(logits, (x) => Math.exp(x / temperature - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

interface LabelSink {
  readonly keptRows: number;
  readonly hasHeader: boolean;
  write(text: string): Promise<void>;
  finish(): Promise<void>;
  /** `discard`: nothing worth resuming was written. */
  fail(discard: boolean): Promise<void>;
}

class StdoutSink implements LabelSink {
  readonly keptRows = 0;
  readonly hasHeader = false;
  async write(text: string): Promise<void> {
    if (!process.stdout.write(text))
      await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
  async finish(): Promise<void> {}
  async fail(): Promise<void> {}
}

/** Appends to OUTPUT.partial (its run described in OUTPUT.partial.json) and renames it to OUTPUT once every row is in. */
class FileSink implements LabelSink {
  private constructor(
    private readonly output: string,
    private readonly partial: string,
    private readonly fd: fs.promises.FileHandle,
    readonly keptRows: number,
    readonly hasHeader: boolean,
  ) {}

  static async open(output: string, resume: boolean, window: number, record: RunRecord): Promise<FileSink> {
    const partial = partialPathOf(output);
    const recordFile = partialRecordPathOf(output);
    if (resume && fs.existsSync(partial)) {
      checkRecord(partial, recordFile, record);
      const { keptRows, keptBytes, hasHeader } = await completeWindows(partial, window);
      const fd = await openOrFail(partial, 'r+', output);
      try {
        await fd.truncate(keptBytes);
      } finally {
        await fd.close();
      }
      return new FileSink(output, partial, await openOrFail(partial, 'a', output), keptRows, hasHeader);
    }
    if (resume && fs.existsSync(output)) {
      throw new InputError('is already complete (nothing to resume); remove it to label again', output);
    }
    try {
      await writeFileAtomic(recordFile, JSON.stringify(record) + '\n');
    } catch (err) {
      throw writeFailure(output, err);
    }
    return new FileSink(output, partial, await openOrFail(partial, 'w', output), 0, false);
  }

  async write(text: string): Promise<void> {
    try {
      // writeFile loops over short writes (a nearly full disk); write() alone could drop a window's tail.
      await this.fd.writeFile(text);
    } catch (err) {
      throw writeFailure(this.partial, err);
    }
  }

  async finish(): Promise<void> {
    try {
      await this.fd.sync();
      await this.fd.close();
      await fs.promises.rename(this.partial, this.output);
    } catch (err) {
      throw writeFailure(this.output, err);
    }
    await fs.promises.rm(partialRecordPathOf(this.output), { force: true });
  }

  // The partial file stays for --resume; it is never mistaken for a finished output.
  async fail(discard: boolean): Promise<void> {
    await this.fd.close().catch(() => undefined);
    if (!discard) return;
    await fs.promises.rm(this.partial, { force: true }).catch(() => undefined);
    await fs.promises.rm(partialRecordPathOf(this.output), { force: true }).catch(() => undefined);
  }
}

/** Refuses to resume a partial output that another run (or no run of label) made. */
function checkRecord(partial: string, recordFile: string, now: RunRecord): void {
  const remove = `remove ${partial} to label again`;
  let kept: RunRecord;
  try {
    kept = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as RunRecord;
  } catch {
    throw new InputError(
      `cannot resume: no readable record of the run that made it (${recordFile}); ${remove}`,
      partial,
    );
  }
  if (kept === null || typeof kept !== 'object' || kept.format !== RECORD_FORMAT) {
    throw new InputError(`cannot resume: ${recordFile} is not a record of ernie-slim label; ${remove}`, partial);
  }
  const differs = recordMismatch(kept, now);
  if (differs) throw new InputError(`cannot resume: ${differs} differs from the run that made it; ${remove}`, partial);
}

async function openOrFail(file: string, flags: string, shownAs: string): Promise<fs.promises.FileHandle> {
  try {
    return await fs.promises.open(file, flags);
  } catch (err) {
    throw writeFailure(shownAs, err);
  }
}

/**
 * Rows of whole windows in an interrupted output: resuming on a window boundary re-forms the same
 * batches, so the finished file is byte-identical to an uninterrupted run.
 */
async function completeWindows(
  partial: string,
  window: number,
): Promise<{ keptRows: number; keptBytes: number; hasHeader: boolean }> {
  const data = await fs.promises.readFile(partial);
  const lineEnds: number[] = [];
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) lineEnds.push(i + 1);
  if (lineEnds.length === 0) return { keptRows: 0, keptBytes: 0, hasHeader: false };
  const completeRows = lineEnds.length - 1;
  const keptRows = Math.floor(completeRows / window) * window;
  // What is kept must look like label's output: its header, then rows with as many columns.
  const header = data.toString('utf8', 0, lineEnds[0]! - 1);
  const columns = header.split('\t').length;
  const garbage = (line: number, why: string) =>
    new InputError(`cannot resume: ${why}, not label's output; remove it to label again`, partial, line);
  if (!header.startsWith('text_a\t')) throw garbage(1, 'the first line is not a header beginning text_a');
  for (let r = 0; r < keptRows; r++) {
    const text = data.toString('utf8', lineEnds[r]!, lineEnds[r + 1]! - 1);
    if (text.split('\t').length !== columns) throw garbage(r + 2, `expected ${columns} columns`);
  }
  return { keptRows, keptBytes: lineEnds[keptRows]!, hasHeader: true };
}
