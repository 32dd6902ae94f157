// A compact student, as fastText's quantize makes one: keep the most useful embedding rows (words and bigram
// buckets), product-quantize them (and the head with qout), leave the small dense layers in float.
import { UsageError } from '../errors.js';
import { encodeModelFile, type StudentModelData, type Weights } from './model-file.js';
import { CODEBOOK_SIZE, subspaceCount } from './product-quantizer.js';
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
  /** The file's size budget in bytes: it chooses cutoff and dsub where they are not given. */
  maxBytes: number;
}

// Measured on ChnSentiCorp, TNEWS and LCQMC bow + bigrams, five deterministic float students each (README): the
// whole budget spent on the codes' width (every touched row at the narrowest dsub that fits) makes the compact
// student agree with the float one more often (ChnSentiCorp at dsub 6: 98.4% of dev predictions, at dsub 8 97.6%);
// where the rows do not all fit (TNEWS) the top rows that fit are kept at dsub 7.
export const defaultCompactOptions = { qnorm: true, qout: false, maxBytes: 2_000_000 } as const;
/**
 * The budget's sub-vector widths: the narrowest of narrowest..widest at which every touched row fits, else the
 * top-ranked rows that fit at cutRows.
 */
export const BUDGET_DSUB = { narrowest: 2, widest: 8, cutRows: 7 } as const;
// Room for the training record's figures, which are written after the size is chosen.
const RECORD_SLACK_BYTES = 256;

/**
 * The file size of `model` compacted with `kept` rows at `dsub` (within RECORD_SLACK_BYTES, never under): the
 * codes are the only part that grows with the rows; a quantized head (qout) is counted as its float size.
 */
export function compactFileBytes(
  model: StudentModelData,
  options: Pick<CompactOptions, 'qnorm'>,
): (kept: number, dsub: number) => number {
  const [rows, dim] = model.weights.embedding!.shape as [number, number];
  const { embedding: _, ...weights } = model.weights;
  const none = { dim: 1, dsub: 1, centroids: new Float32Array(CODEBOOK_SIZE), codes: new Uint8Array(0) };
  const empty = {
    shape: [rows, dim] as [number, number],
    rows: new Int32Array(0),
    pq: { dim, dsub: 1, centroids: new Float32Array(CODEBOOK_SIZE * dim), codes: new Uint8Array(0) },
    ...(options.qnorm ? { norms: none } : {}),
  };
  const base = encodeModelFile({ ...model, weights, quantized: { embedding: empty } }).length + RECORD_SLACK_BYTES;
  const align4 = (n: number) => Math.ceil(n / 4) * 4;
  return (kept, dsub) => base + align4(kept * subspaceCount(dim, dsub)) + (options.qnorm ? align4(kept) : 0);
}

/**
 * Settles cutoff and dsub where not given, within the size budget: every touched row (or the --cutoff rows) at the
 * narrowest dsub in BUDGET_DSUB.narrowest..widest that fits, else the top-ranked rows that fit at
 * BUDGET_DSUB.cutRows (the --cutoff rows stay as given). A given dsub keeps the rows that fit at it; given both,
 * the budget is not consulted.
 */
export function chooseCompactOptions(
  model: StudentModelData,
  given: Partial<CompactOptions>,
  touchedRows: number,
): CompactOptions {
  const qnorm = given.qnorm ?? defaultCompactOptions.qnorm;
  const qout = given.qout ?? defaultCompactOptions.qout;
  const maxBytes = given.maxBytes ?? defaultCompactOptions.maxBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new UsageError('--max-bytes must be a positive whole number');
  if (given.cutoff !== undefined && given.dsub !== undefined)
    return { cutoff: given.cutoff, dsub: given.dsub, qnorm, qout, maxBytes };
  const bytes = compactFileBytes(model, { qnorm });
  const dim = model.weights.embedding!.shape[1]!;
  const rowsThatFit = (dsub: number) => {
    let kept = Math.min(touchedRows, Math.floor((maxBytes - bytes(0, dsub)) / (subspaceCount(dim, dsub) + 1)));
    while (kept > 0 && bytes(kept, dsub) > maxBytes) kept--;
    if (kept <= 0)
      throw new UsageError(
        `--max-bytes ${maxBytes} is below the student's size without embedding rows (${bytes(0, dsub)} bytes)`,
      );
    return kept;
  };
  if (given.dsub !== undefined) return { cutoff: rowsThatFit(given.dsub), dsub: given.dsub, qnorm, qout, maxBytes };
  const wanted = given.cutoff ? Math.min(given.cutoff, touchedRows) : touchedRows;
  const widest = Math.min(BUDGET_DSUB.widest, dim);
  for (let dsub = Math.min(BUDGET_DSUB.narrowest, dim); dsub <= widest; dsub++)
    if (bytes(wanted, dsub) <= maxBytes) return { cutoff: given.cutoff ?? wanted, dsub, qnorm, qout, maxBytes };
  const cut = Math.min(BUDGET_DSUB.cutRows, dim);
  return { cutoff: given.cutoff ?? rowsThatFit(cut), dsub: cut, qnorm, qout, maxBytes };
}

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
export function checkCompactable(model: StudentModelData, options: Pick<CompactOptions, 'cutoff' | 'dsub'>): void {
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
  /**
   * Trains the float layers again on the quantized table (before a qout head is quantized): the model with them,
   * and what to record of it.
   */
  refit?: (model: StudentModelData) => Promise<{ model: StudentModelData; record: Record<string, unknown> }>;
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
  let refit: Record<string, unknown> | undefined;
  if (choice.refit) {
    const r = await choice.refit({ ...model, weights: { ...weights }, quantized: { ...quantized } });
    Object.assign(weights, r.model.weights);
    refit = r.record;
  }
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
      ...(refit ? { refit } : {}),
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
