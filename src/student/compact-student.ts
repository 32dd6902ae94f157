// A compact student, as fastText's quantize makes one: keep the most useful embedding rows (words and bigram
// buckets), product-quantize them (and the head with qout), leave the small dense layers in float.
import { UsageError } from '../errors.js';
import type { StudentModelData, Weights } from './model-file.js';
import { decodeQuantizedRows, quantizeRows, type QuantizedRows } from './quantized-rows.js';

export interface CompactOptions {
  /** Embedding rows to keep (0: all rows with a non-zero norm). */
  cutoff: number;
  /** Sub-vector width of the embedding's codes. */
  dsub: number;
  /** Quantize each row's norm apart (the codes then hold unit rows). */
  qnorm: boolean;
  /** Quantize the head's weight matrices too. */
  qout: boolean;
}

// Measured on ChnSentiCorp bow + bigrams (README): within 2 MB, 4-wide codes over 40,000 rows lost less than
// 2-wide codes over the 24,000 rows that fit (fastText's -dsub 2).
export const defaultCompactOptions: CompactOptions = { cutoff: 40000, dsub: 4, qnorm: true, qout: false };

const HEAD_WEIGHTS = ['dense2.weight', 'classifier.weight', 'match.weight'];

/** True when the model holds quantized matrices. */
export function isCompact(model: Pick<StudentModelData, 'quantized'>): boolean {
  return model.quantized !== undefined && Object.keys(model.quantized).length > 0;
}

/**
 * The embedding rows to keep: the `cutoff` rows of largest norm (fastText's rule), never [PAD] nor a zero row,
 * ascending ids. Given the table the training started from, the norm is of what training moved each row by: a row
 * that no training text touched still holds its random start and is never kept (it only adds noise).
 */
export function rowsByNorm(
  embedding: { shape: number[]; data: Float32Array },
  cutoff: number,
  initial?: Float32Array,
): Int32Array {
  const [rows, dim] = embedding.shape as [number, number];
  const norms = new Float64Array(rows);
  const candidates: number[] = [];
  for (let r = 1; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += (embedding.data[r * dim + i]! - (initial ? initial[r * dim + i]! : 0)) ** 2;
    norms[r] = sum;
    if (sum > 0) candidates.push(r);
  }
  if (cutoff > 0 && candidates.length > cutoff)
    candidates.sort((a, b) => norms[b]! - norms[a]! || a - b).length = cutoff;
  return Int32Array.from(candidates).sort();
}

/** Refuses (UsageError) what compactStudent cannot make compact, before any work. */
export function checkCompactable(model: StudentModelData, options: CompactOptions): void {
  if (isCompact(model)) throw new UsageError('the model is already compact (quantize takes a float student)');
  if (model.config.model.kind !== 'bow') {
    throw new UsageError(
      `quantize takes bow students; a ${model.config.model.kind} student keeps its float embeddings`,
    );
  }
  const embedding = model.weights.embedding;
  if (!embedding) throw new UsageError('the model has no embedding to quantize');
  const dim = embedding.shape[1]!;
  if (!Number.isInteger(options.dsub) || options.dsub < 1 || options.dsub > dim) {
    throw new UsageError(`--dsub must be an integer in 1..${dim} (the embedding width)`);
  }
  if (!Number.isInteger(options.cutoff) || options.cutoff < 0)
    throw new UsageError('--cutoff must be a whole number of rows (0: keep all)');
}

/** How the kept rows are chosen: by what training moved them from `initialEmbedding`, or given (`keptRows`). */
export interface RowChoice {
  /** The table the training started from (rows are then ranked by how far they moved). */
  initialEmbedding?: Float32Array;
  /** The rows to keep, ascending (a retrained student keeps the rows it was retrained with). */
  keptRows?: Int32Array;
  /** Recorded in the file's training record. */
  retrain?: Record<string, unknown>;
}

/** The compact form of a float bow student. */
export async function compactStudent(
  model: StudentModelData,
  options: CompactOptions,
  choice: RowChoice = {},
): Promise<StudentModelData> {
  checkCompactable(model, options);
  const embedding = model.weights.embedding!;
  const weights: Weights = { ...model.weights };
  const quantized: Record<string, QuantizedRows> = {};
  delete weights.embedding;
  const initial = choice.initialEmbedding?.length === embedding.data.length ? choice.initialEmbedding : undefined;
  const kept = choice.keptRows ?? rowsByNorm(embedding, options.cutoff, initial);
  quantized.embedding = await quantizeRows(embedding, kept, options);
  if (options.qout) {
    for (const name of HEAD_WEIGHTS.filter((n) => n in weights)) {
      const w = weights[name]!;
      const all = Int32Array.from({ length: w.shape[0]! }, (_, r) => r);
      quantized[name] = await quantizeRows(w, all, { dsub: Math.min(2, w.shape[1]!), qnorm: options.qnorm });
      delete weights[name];
    }
  }
  const ranking = initial ? 'moved' : 'norm';
  const training = {
    ...model.config.training,
    compact: {
      ...options,
      ranking,
      keptRows: quantized.embedding.rows.length,
      ...(choice.retrain ? { retrain: choice.retrain } : {}),
    },
  };
  return { ...model, config: { ...model.config, training }, weights, quantized };
}

/** The float student a compact one stands for (its decoded tables); a float model as it is. */
export function decodedStudent(model: StudentModelData): StudentModelData {
  if (!isCompact(model)) return model;
  const weights: Weights = { ...model.weights };
  for (const [name, q] of Object.entries(model.quantized!)) weights[name] = decodeQuantizedRows(q);
  const { quantized: _, ...rest } = model;
  return { ...rest, weights };
}
