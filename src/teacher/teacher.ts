// The teacher of step 2: one or more models (ONNX files or KServe v2 services) whose logits are averaged.
import { InputError, UsageError } from '../errors.js';
import { bucketByLength } from './length-bucketer.js';
import { OnnxTeacherBackend, OnnxTeacherSession, type TeacherDevice } from './onnx-teacher.js';
import { RemoteTeacherBackend, type RemoteTeacherOptions } from './remote-teacher.js';
import { StudentTeacherBackend } from './student-teacher.js';
import { readOnnxMetadataFile } from '../onnx/model-metadata.js';
import type { PreparedWindow, TeacherBackend, TeacherText } from './teacher-backend.js';
import {
  loadTeacherTokenizer,
  TEACHER_TOKENIZER_METADATA,
  wordPieceTeacherTokenizer,
  type TeacherTokenizer,
} from './teacher-tokenizer.js';
import { mapLimited } from '../util/concurrency.js';

export type { TeacherText } from './teacher-backend.js';

export interface TeacherOptions extends RemoteTeacherOptions {
  /** WordPiece vocabulary; for services it may be left out (they then receive text). */
  vocab?: string;
  lowercase?: boolean;
  /** Tokens per row, [CLS]/[SEP] included; longer rows are truncated (longest first for pairs). */
  maxLength?: number;
  device?: TeacherDevice;
  threads?: number;
  notice?: (line: string) => void;
  /** The teacher's label names in logit order, for services (which do not say them); default: the model's metadata. */
  labelNames?: readonly string[];
}

/** A window prepared by every backend; bucketing uses the longest encoding of each row. */
export interface PreparedRows {
  count: number;
  lengths: Int32Array;
  perBackend: PreparedWindow[];
}

const isUrl = (s: string) => /^https?:\/\//.test(s);

export class Teacher {
  private labelCount: number | undefined;

  private constructor(
    private readonly backends: TeacherBackend[],
    readonly maxLength: number,
    private readonly givenLabelNames: readonly string[] | undefined,
  ) {}

  /**
   * Opens one teacher, or several whose logits are averaged (multi-teacher distillation). An http(s) URL
   * names a KServe v2 model (`http://host:port/v2/models/NAME`); a list of URLs in one string, comma-separated,
   * is one teacher served by several replicas.
   */
  static async open(modelOrUrl: string | readonly string[], options: TeacherOptions = {}): Promise<Teacher> {
    const sources = typeof modelOrUrl === 'string' ? [modelOrUrl] : [...modelOrUrl];
    if (sources.length === 0) throw new UsageError('--teacher: give at least one model');
    const maxLength = options.maxLength ?? 128;
    if (!Number.isInteger(maxLength) || maxLength < 3)
      throw new UsageError(`--max-len must be an integer of at least 3 (got ${options.maxLength})`);
    const backends: TeacherBackend[] = [];
    try {
      const sharedTokenizer = options.vocab
        ? wordPieceTeacherTokenizer(options.vocab, options.lowercase ?? true)
        : null;
      for (const source of sources) {
        if (isUrl(source)) {
          backends.push(await RemoteTeacherBackend.open(source.split(','), sharedTokenizer, options));
        } else if (await isExportedStudent(source)) {
          backends.push(await StudentTeacherBackend.open(source, options.threads));
        } else {
          const session = await OnnxTeacherSession.open(source, options);
          const positions = Number(session.metadata[TEACHER_TOKENIZER_METADATA.maxPositions]);
          if (positions > 0 && maxLength > positions) {
            await session.release();
            throw new UsageError(
              `--max-len ${maxLength} is more than the ${positions} positions of the teacher ${source}`,
            );
          }
          const tokenizer: TeacherTokenizer =
            sharedTokenizer ?? (await loadTeacherTokenizer(source, session.metadata, options));
          backends.push(new OnnxTeacherBackend(session, tokenizer));
        }
      }
      const teacher = new Teacher(backends, maxLength, options.labelNames);
      for (const backend of backends) {
        const labels = await backend.probe();
        if (teacher.labelCount !== undefined && labels !== teacher.labelCount) {
          throw new InputError(
            `this teacher has ${labels} labels, ${backends[0]!.source} has ${teacher.labelCount}`,
            backend.source,
          );
        }
        teacher.labelCount = labels;
      }
      if (options.labelNames && options.labelNames.length !== teacher.labelCount)
        throw new InputError(
          `--teacher-labels names ${options.labelNames.length} labels; the teacher has ${teacher.labelCount}`,
          backends[0]!.source,
        );
      return teacher;
    } catch (err) {
      await Promise.all(backends.map((b) => b.release()));
      throw err;
    }
  }

  /** Logit columns. */
  get labels(): number {
    return this.labelCount!;
  }

  /** Label names as given, else from the first model's metadata when it has them. */
  get labelNames(): string[] | null {
    return this.givenLabelNames ? [...this.givenLabelNames] : this.backends[0]!.labelNames;
  }

  get device(): string {
    return [...new Set(this.backends.map((b) => b.device))].join(',');
  }

  /** Batches worth running at once: 1 in process, the client's concurrency for services. */
  get concurrency(): number {
    return Math.min(...this.backends.map((b) => b.concurrency));
  }

  /** Tokenizes rows for every backend (off the event loop). */
  async prepare(texts: readonly TeacherText[]): Promise<PreparedRows> {
    const perBackend = await Promise.all(this.backends.map((b) => b.prepare(texts, this.maxLength)));
    const lengths = new Int32Array(texts.length);
    for (const { lengths: l } of perBackend)
      for (let i = 0; i < l.length; i++) lengths[i] = Math.max(lengths[i]!, l[i]!);
    return { count: texts.length, lengths, perBackend };
  }

  /** Averaged logits [rows.length x labels] of the given prepared rows, run as one batch. */
  async runRows(prepared: PreparedRows, rows: number[]): Promise<Float32Array> {
    const outs = await Promise.all(this.backends.map((b, i) => b.run(prepared.perBackend[i]!, rows)));
    if (outs.length === 1) return outs[0]!.logits;
    const sum = Float32Array.from(outs[0]!.logits);
    for (const { logits } of outs.slice(1)) for (let i = 0; i < sum.length; i++) sum[i]! += logits[i]!;
    for (let i = 0; i < sum.length; i++) sum[i]! /= outs.length;
    return sum;
  }

  /** Logits of each text, batched and length-bucketed. */
  async score(
    texts: readonly TeacherText[],
    options: { batchSize?: number; maxTokens?: number } = {},
  ): Promise<Float32Array[]> {
    const prepared = await this.prepare(texts);
    const out: Float32Array[] = new Array(texts.length);
    const batches = bucketByLength(prepared.lengths, {
      batchSize: options.batchSize ?? 64,
      maxTokens: options.maxTokens ?? Infinity,
    });
    await mapLimited(batches, this.concurrency, async (rows) => {
      const logits = await this.runRows(prepared, rows);
      const c = this.labels;
      rows.forEach((row, i) => (out[row] = logits.slice(i * c, (i + 1) * c)));
    });
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.release()));
  }
}

/** An `ernie-slim export` file carries its own segmentation and vocabulary. */
export async function isExportedStudent(file: string): Promise<boolean> {
  const metadata = await readOnnxMetadataFile(file).catch(() => ({}) as Record<string, string>);
  return (metadata['ernie_slim.format'] ?? '').startsWith('student/');
}
