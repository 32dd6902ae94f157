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

// Measured on ChnSentiCorp, TNEWS and LCQMC bow + bigrams, five deterministic float students each (README): a
// narrower dsub over most of the rows beats a wider one over all of them (ChnSentiCorp: the top 49,000 of ~64,000
// touched rows at dsub 4 agreed with the float student on 99.1% of dev, all of them at dsub 6 98.4%, at dsub 8
// 97.6%), but keeping too few loses (TNEWS: 46,000 of ~103,000 rows at dsub 4 lost 0.59 point where 75,000 at dsub
// 7 held within 0.3).
export const defaultCompactOptions = { qnorm: true, qout: false, maxBytes: 2_000_000 } as const;
/**
 * The budget's sub-vector widths: the narrowest of narrowest..widest at which at least keptShare of the touched
 * rows fit (the top-ranked that fit are kept), else the rows that fit at widest.
 */
export const BUDGET_DSUB = { narrowest: 2, widest: 8, keptShare: 0.7 } as const;
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
 * Settles cutoff and dsub where not given, within the size budget: the narrowest dsub in
 * BUDGET_DSUB.narrowest..widest at which at least BUDGET_DSUB.keptShare of the touched rows fit, over the
 * top-ranked rows that fit there (every touched row where they all fit), else the rows that fit at the widest. A
 * given --cutoff (0: every touched row) is kept as given, at the narrowest dsub where its rows all fit (else the
 * widest); a given dsub keeps the rows that fit at it; given both, the budget is not consulted.
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
  const rowsThatFit = (dsub: number, wanted: number) => {
    let kept = Math.min(wanted, Math.floor((maxBytes - bytes(0, dsub)) / (subspaceCount(dim, dsub) + 1)));
    while (kept > 0 && bytes(kept, dsub) > maxBytes) kept--;
    if (kept <= 0)
      throw new UsageError(
        `--max-bytes ${maxBytes} is below the student's size without embedding rows (${bytes(0, dsub)} bytes)`,
      );
    return kept;
  };
  if (given.dsub !== undefined)
    return { cutoff: rowsThatFit(given.dsub, touchedRows), dsub: given.dsub, qnorm, qout, maxBytes };
  const [narrowest, widest] = [Math.min(BUDGET_DSUB.narrowest, dim), Math.min(BUDGET_DSUB.widest, dim)];
  if (given.cutoff !== undefined) {
    const wanted = given.cutoff ? Math.min(given.cutoff, touchedRows) : touchedRows;
    let dsub = narrowest;
    while (dsub < widest && bytes(wanted, dsub) > maxBytes) dsub++;
    return { cutoff: given.cutoff, dsub, qnorm, qout, maxBytes };
  }
  for (let dsub = narrowest; dsub < widest; dsub++) {
    const kept = rowsThatFit(dsub, touchedRows);
    if (kept >= BUDGET_DSUB.keptShare * touchedRows) return { cutoff: kept, dsub, qnorm, qout, maxBytes };
  }
  return { cutoff: rowsThatFit(widest, touchedRows), dsub: widest, qnorm, qout, maxBytes };
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
