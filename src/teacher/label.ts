// Step 2 as a file job (`ernie-slim label`): texts in, the teacher's labels (and logits) out, streaming,
// with --resume continuing an interrupted --output from its last complete window.
import fs from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { readTexts, type TextRow } from '../data/tsv-reader.js';
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

export async function label(options: LabelOptions): Promise<LabelResult> {
  const batchSize = options.batchSize ?? 64;
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size must be a positive integer (got ${options.batchSize})`);
  if (!(maxTokens >= (options.maxLength ?? 128))) throw new UsageError(`--max-tokens must be at least --max-len (got ${options.maxTokens})`);
  if (options.temperature !== undefined && !(options.temperature > 0)) throw new UsageError(`--temperature must be positive (got ${options.temperature})`);
  if (options.resume && !options.output) throw new UsageError('--resume needs --output (stdout cannot be resumed)');
  const window = options.window ?? defaultWindow(batchSize);
  const input = options.input ?? '-';

  const started = performance.now();
  const teacher = await Teacher.open(options.teacher, options);
  const policy = new BadLinePolicy(options.skipBadLines ?? false);
  let sink: LabelSink | undefined;
  let rows = 0;
  let resumedRows = 0;
  try {
    sink = options.output ? await FileSink.open(options.output, options.resume ?? false, window) : new StdoutSink();
    resumedRows = sink.keptRows;
    const source = skipRows(readTexts(input, { policy }), resumedRows);
    for await (const labeled of labelWindows(source, teacher, { batchSize, maxTokens, window })) {
      await sink.write(formatWindow(labeled, options.labelNames ?? teacher.labelNames, options, rows + resumedRows === 0 && !sink.hasHeader));
      rows += labeled.rows.length;
      options.onProgress?.(rows + resumedRows);
    }
    if (rows + resumedRows === 0 && !sink.hasHeader) await sink.write('text_a\tlabel' + (options.soft ? '\tlogits' : '') + '\n');
    await sink.finish();
  } catch (err) {
    await sink?.fail();
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

async function* skipRows(rows: AsyncIterable<TextRow>, n: number): AsyncGenerator<TextRow> {
  let seen = 0;
  for await (const row of rows) if (seen++ >= n) yield row;
}

function formatWindow(w: LabeledWindow, names: readonly string[] | null, options: LabelOptions, withHeader: boolean): string {
  const pairs = w.rows[0]?.textB !== undefined;
  const parts: string[] = [];
  if (withHeader) {
    parts.push(['text_a', ...(pairs ? ['text_b'] : []), 'label', ...(options.soft ? ['logits'] : []), ...(options.soft && options.temperature !== undefined ? ['probs'] : [])].join('\t') + '\n');
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
      if (options.temperature !== undefined) line += '\t' + softmax(logits, options.temperature).map((p) => p.toFixed(6)).join(',');
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
  fail(): Promise<void>;
}

class StdoutSink implements LabelSink {
  readonly keptRows = 0;
  readonly hasHeader = false;
  async write(text: string): Promise<void> {
    if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
  async finish(): Promise<void> {}
  async fail(): Promise<void> {}
}

/** Appends to OUTPUT.partial and renames it to OUTPUT once every row is in. */
class FileSink implements LabelSink {
  private constructor(
    private readonly output: string,
    private readonly partial: string,
    private readonly fd: fs.promises.FileHandle,
    readonly keptRows: number,
    readonly hasHeader: boolean,
  ) {}

  static async open(output: string, resume: boolean, window: number): Promise<FileSink> {
    const partial = partialPathOf(output);
    if (resume && fs.existsSync(partial)) {
      const { keptRows, keptBytes, hasHeader } = await completeWindows(partial, window);
      const fd = await openOrFail(partial, 'r+', output);
      await fd.truncate(keptBytes);
      await fd.close();
      return new FileSink(output, partial, await openOrFail(partial, 'a', output), keptRows, hasHeader);
    }
    if (resume && fs.existsSync(output)) {
      throw new InputError('is already complete (nothing to resume); remove it to label again', output);
    }
    return new FileSink(output, partial, await openOrFail(partial, 'w', output), 0, false);
  }

  async write(text: string): Promise<void> {
    await this.fd.write(text);
  }

  async finish(): Promise<void> {
    await this.fd.sync();
    await this.fd.close();
    await fs.promises.rename(this.partial, this.output);
  }

  // The partial file stays for --resume; it is never mistaken for a finished output.
  async fail(): Promise<void> {
    await this.fd.close().catch(() => undefined);
  }
}

async function openOrFail(file: string, flags: string, shownAs: string): Promise<fs.promises.FileHandle> {
  try {
    return await fs.promises.open(file, flags);
  } catch (err) {
    throw new InputError(`cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, shownAs);
  }
}

/**
 * Rows of whole windows in an interrupted output: resuming on a window boundary re-forms the same
 * batches, so the finished file is byte-identical to an uninterrupted run.
 */
async function completeWindows(partial: string, window: number): Promise<{ keptRows: number; keptBytes: number; hasHeader: boolean }> {
  const data = await fs.promises.readFile(partial);
  const lineEnds: number[] = [];
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) lineEnds.push(i + 1);
  if (lineEnds.length === 0) return { keptRows: 0, keptBytes: 0, hasHeader: false };
  const completeRows = lineEnds.length - 1;
  const keptRows = Math.floor(completeRows / window) * window;
  return { keptRows, keptBytes: lineEnds[keptRows]!, hasHeader: true };
}
