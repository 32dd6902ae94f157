// `eval`: a labeled TSV through a student, streamed in chunks; accuracy, macro-F1, the row count, and for text
// pairs with two labels the positive/negative order ratio.
import { BadLinePolicy } from '../data/bad-lines.js';
import { readLabeledTsv, type LabeledRow } from '../data/tsv-reader.js';
import { InputError } from '../errors.js';
import type { PosNegRatio } from './metrics.js';
import { positiveLabelId, scoreLogits } from './score-logits.js';
import { Student, type StudentLoadOptions } from './student.js';

export interface EvaluateOptions extends StudentLoadOptions {
  /** A model path or a loaded student. */
  model: string | Student;
  /** Labeled TSV. */
  data: string;
  skipBadLines?: boolean;
  threads?: number;
  /** The matching label of a pair task (default: the second of the model's two labels, `1` for 0/1 labels). */
  positiveLabel?: string;
}

export interface EvaluateResult {
  accuracy: number;
  macroF1: number;
  n: number;
  /** Text pairs with two labels: the positive/negative order ratio over queries (rows sharing text_a). */
  posNegRatio?: number | null;
  /** Its counts: concordant, discordant and tied candidate pairs, and the queries that have both labels. */
  posNeg?: PosNegRatio;
  skippedLines: number;
  /**
   * With skipBadLines, rows whose label the model does not know: reported among `skippedLines`, yet scored (in `n`)
   * and always wrong, since dropping them would inflate the accuracy.
   */
  unknownLabelRows: number;
  runtime: 'native' | 'onnxruntime';
}

const CHUNK_ROWS = 2048;

export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const student =
    typeof options.model === 'string'
      ? await Student.load(
          options.model,
          options.runtime ? { runtime: options.runtime, threads: options.threads ?? 2 } : {},
        )
      : options.model;
  const width = student.labels.length;
  const positiveId = positiveLabelId(student.labels, options.positiveLabel);
  const policy = new BadLinePolicy(options.skipBadLines === true);
  const gold: number[] = [];
  const queries: string[] = [];
  const logitChunks: Float32Array[] = [];
  let pairs: boolean | null = null;
  let chunk: LabeledRow[] = [];
  let unknownLabelRows = 0;
  const flush = async () => {
    const rows = await student.packedRows(chunk, options.threads ?? 2);
    logitChunks.push(await student.logitsOfRows(rows, options.threads ?? 2));
    for (const row of chunk) {
      const id = student.labelMap.idOf(row.label);
      // An unseen label is a class of its own (id `width`): no prediction can match it.
      if (id < 0) unknownLabelRows++;
      gold.push(id < 0 ? width : id);
      if (pairs) queries.push(row.textA);
    }
    chunk = [];
  };
  // Without --skip-bad-lines an unseen label is an error naming its line; with it, the row counts as wrong.
  const knownLabels = options.skipBadLines ? undefined : student.labelMap;
  for await (const row of readLabeledTsv(options.data, { policy, ...(knownLabels ? { knownLabels } : {}) })) {
    if (!knownLabels && student.labelMap.idOf(row.label) < 0)
      policy.reject(
        `unknown label ${JSON.stringify(row.label)} (not among the model's labels; counted as wrong)`,
        options.data,
        row.line,
      );
    if (pairs === null) {
      pairs = row.textB !== undefined;
      if (student.pair && !pairs)
        throw new InputError('this student compares text pairs, but the data has no text_b column', options.data);
    }
    chunk.push(row);
    if (chunk.length >= CHUNK_ROWS) await flush();
  }
  if (chunk.length) await flush();
  if (gold.length === 0) throw new InputError('no rows to evaluate', options.data);
  const logits = new Float32Array(gold.length * width);
  let offset = 0;
  for (const part of logitChunks) {
    logits.set(part, offset);
    offset += part.length;
  }
  const { posNeg, ...metrics } = scoreLogits(logits, width, gold, { queries: pairs ? queries : null, positiveId });
  const result: EvaluateResult = {
    ...metrics,
    skippedLines: policy.skipped,
    unknownLabelRows,
    runtime: student.runtime,
  };
  if (posNeg) {
    result.posNeg = posNeg;
    result.posNegRatio = posNeg.ratio;
  }
  return result;
}
