// The one way ernie-slim scores a model on labeled rows: logits and gold ids to accuracy, macro-F1 and, for text
// pairs with two labels, the positive/negative order ratio. train (dev), eval and distill's report all use it.
import { UsageError } from '../errors.js';
import {
  argmax,
  classificationMetrics,
  posNegRatio,
  softmax,
  type ClassificationMetrics,
  type PosNegRatio,
} from './metrics.js';

/**
 * The positive (matching) label of a text-pair task: the second of the labels, in label-id order (`1` for 0/1
 * labels), unless one is named (eval's --positive-label).
 */
export const DEFAULT_POSITIVE_ID = 1;

/** The id of the positive label among `labels`: the named one, else DEFAULT_POSITIVE_ID. */
export function positiveLabelId(labels: readonly string[], named?: string): number {
  if (named === undefined) return DEFAULT_POSITIVE_ID;
  const id = labels.indexOf(named);
  if (id < 0) throw new UsageError(`--positive-label ${named} is not among the model's labels (${labels.join(', ')})`);
  return id;
}

export interface LogitScores extends ClassificationMetrics {
  /** The order ratio and its counts; null unless queries were given and there are two labels. */
  posNeg: PosNegRatio | null;
}

export interface ScoreOptions {
  /** Each row's query (text_a) when the rows are text pairs: rows sharing one are its candidates. */
  queries?: readonly string[] | null;
  /** The positive label's id (default DEFAULT_POSITIVE_ID). */
  positiveId?: number;
}

/**
 * Scores `logits` (rows x numLabels, in label-id order) against gold label ids: the predicted label is the
 * arg-max (the first on ties); the order ratio ranks rows by the softmax probability of the positive label.
 * A gold id of numLabels stands for a label the model does not know: always wrong, a class of its own in macro-F1.
 */
export function scoreLogits(
  logits: ArrayLike<number>,
  numLabels: number,
  gold: ArrayLike<number>,
  options: ScoreOptions = {},
): LogitScores {
  const n = gold.length;
  if (logits.length !== n * numLabels)
    throw new Error(`scoreLogits: ${logits.length} logits for ${n} rows of ${numLabels} labels`);
  const predicted = Int32Array.from({ length: n }, (_, r) => argmax(logits, r * numLabels, numLabels));
  let unknown = false;
  for (let r = 0; r < n && !unknown; r++) unknown = gold[r] === numLabels;
  const metrics = classificationMetrics(gold, predicted, numLabels + (unknown ? 1 : 0));
  const queries = options.queries;
  if (!queries || numLabels !== 2) return { ...metrics, posNeg: null };
  const positiveId = options.positiveId ?? DEFAULT_POSITIVE_ID;
  const scores = Float64Array.from({ length: n }, (_, r) => softmax(logits, r * numLabels, numLabels)[positiveId]!);
  const positive = Array.from({ length: n }, (_, r) => gold[r] === positiveId);
  return { ...metrics, posNeg: posNegRatio(queries, positive, scores) };
}

/**
 * Logits whose columns follow `from` (a teacher's label names), rearranged into `to`'s order (the training
 * labels), flattened rows x labels; `from` must hold every name of `to`.
 */
export function alignLogits(
  rows: readonly ArrayLike<number>[],
  from: readonly string[],
  to: readonly string[],
): Float32Array {
  const columns = to.map((name) => from.indexOf(name));
  if (columns.some((c) => c < 0))
    throw new Error(`alignLogits: labels ${to.join(', ')} are not all among ${from.join(', ')}`);
  const out = new Float32Array(rows.length * to.length);
  rows.forEach((row, r) => columns.forEach((c, j) => (out[r * to.length + j] = row[c]!)));
  return out;
}
