// Product quantization as fastText's quantize does it: each row is cut into dsub-wide sub-vectors, each sub-space
// gets a 256-entry k-means codebook, and a row is stored as one uint8 code per sub-space. trainProductCodes runs it
// natively (native/student/product_quantizer.*, draw for draw the same); productQuantize is the reference it is
// tested against.
//
//   nsubq = ceil(dim / dsub) sub-spaces; the last is lastdsub = dim - (nsubq - 1) * dsub wide
//   centroids [256 * dim]: sub-space m's codebook starts at m * 256 * dsub, entry k at + k * d(m)
//   codes     [rows * nsubq]: row r's sub-vector m is centroids[m][codes[r * nsubq + m]]
import os from 'node:os';
import { native } from '../native.js';
import type { NativeStudentAddon } from './native-api.js';
import { SeededRandom } from '../util/random.js';

export const CODEBOOK_SIZE = 256;
// As fastText: k-means sees at most 256 points per centroid, for 25 iterations.
const MAX_POINTS = CODEBOOK_SIZE * 256;
const ITERATIONS = 25;
const SPLIT_EPS = 1e-7;

/** One product-quantized matrix [rows, dim]. */
export interface ProductCodes {
  dim: number;
  dsub: number;
  centroids: Float32Array;
  codes: Uint8Array;
}

export function subspaceCount(dim: number, dsub: number): number {
  return Math.ceil(dim / dsub);
}

/** Width of sub-space m. */
export function subspaceWidth(dim: number, dsub: number, m: number): number {
  return m === subspaceCount(dim, dsub) - 1 ? dim - m * dsub : dsub;
}

/** Trains the codebooks on `rows` rows of `x` [rows, dim] and codes every row. */
export function productQuantize(x: Float32Array, rows: number, dim: number, dsub: number, seed = 1234): ProductCodes {
  if (!Number.isInteger(dsub) || dsub < 1 || dsub > dim)
    throw new RangeError(`dsub must be an integer in 1..${dim} (got ${dsub})`);
  const nsubq = subspaceCount(dim, dsub);
  const centroids = new Float32Array(CODEBOOK_SIZE * dim);
  const codes = new Uint8Array(rows * nsubq);
  const rng = new SeededRandom(seed);
  const points = Math.min(rows, MAX_POINTS);
  const slice = new Float32Array(points * dsub);
  const assign = new Uint8Array(Math.max(rows, points));
  for (let m = 0; m < nsubq; m++) {
    const d = subspaceWidth(dim, dsub, m);
    const order = permutation(rows, rng);
    for (let j = 0; j < points; j++) for (let i = 0; i < d; i++) slice[j * d + i] = x[order[j]! * dim + m * dsub + i]!;
    const book = centroids.subarray(m * CODEBOOK_SIZE * dsub, m * CODEBOOK_SIZE * dsub + CODEBOOK_SIZE * d);
    kmeans(slice, points, d, book, assign, rng);
    for (let r = 0; r < rows; r++)
      codes[r * nsubq + m] = nearest(x, r * dim + m * dsub, d, book, Math.min(CODEBOOK_SIZE, points));
  }
  return { dim, dsub, centroids, codes };
}

/** productQuantize on native threads, off the event loop: the same codes, minutes sooner on large tables. */
export async function trainProductCodes(
  x: Float32Array,
  rows: number,
  dim: number,
  dsub: number,
  options: { seed?: number; threads?: number } = {},
): Promise<ProductCodes> {
  if (!Number.isInteger(dsub) || dsub < 1 || dsub > dim)
    throw new RangeError(`dsub must be an integer in 1..${dim} (got ${dsub})`);
  const addon = native() as unknown as Partial<NativeStudentAddon>;
  if (typeof addon.productQuantize !== 'function')
    throw new Error('this build of the native addon has no productQuantize (rebuild with `npm run build:native`)');
  const threads = options.threads ?? os.availableParallelism();
  const { centroids, codes } = await addon.productQuantize(x.subarray(0, rows * dim), {
    rows,
    dim,
    dsub,
    seed: options.seed ?? 1234,
    threads,
  });
  return { dim, dsub, centroids, codes };
}

/** Adds row r's decoded vector, times alpha, into out [dim]. */
export function addDecodedRow(pq: ProductCodes, r: number, alpha: number, out: Float32Array, outOffset = 0): void {
  const { dim, dsub, centroids, codes } = pq;
  const nsubq = subspaceCount(dim, dsub);
  for (let m = 0; m < nsubq; m++) {
    const d = subspaceWidth(dim, dsub, m);
    const c = m * CODEBOOK_SIZE * dsub + codes[r * nsubq + m]! * d;
    for (let i = 0; i < d; i++) out[outOffset + m * dsub + i]! += alpha * centroids[c + i]!;
  }
}

function permutation(n: number, rng: SeededRandom): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

// The nearest of the first k entries of book [k, d] to x[offset .. offset + d).
function nearest(x: Float32Array, offset: number, d: number, book: Float32Array, k: number): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0; c < k; c++) {
    let distance = 0;
    for (let i = 0; i < d; i++) {
      const diff = x[offset + i]! - book[c * d + i]!;
      distance += diff * diff;
    }
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  return best;
}

// Lloyd's k-means from k random points; an emptied centroid takes half of a large cluster (fastText's MStep).
// With fewer points than entries, each point is its own entry and the rest stay zero.
function kmeans(
  x: Float32Array,
  n: number,
  d: number,
  book: Float32Array,
  assign: Uint8Array,
  rng: SeededRandom,
): void {
  const k = Math.min(CODEBOOK_SIZE, n);
  const start = permutation(n, rng);
  for (let c = 0; c < k; c++) for (let i = 0; i < d; i++) book[c * d + i] = x[start[c]! * d + i]!;
  if (k === n) return;
  const counts = new Int32Array(k);
  for (let it = 0; it < ITERATIONS; it++) {
    for (let j = 0; j < n; j++) assign[j] = nearest(x, j * d, d, book, k);
    book.fill(0, 0, k * d);
    counts.fill(0);
    for (let j = 0; j < n; j++) {
      const c = assign[j]!;
      counts[c]!++;
      for (let i = 0; i < d; i++) book[c * d + i]! += x[j * d + i]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]! > 0) for (let i = 0; i < d; i++) book[c * d + i]! /= counts[c]!;
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) continue;
      let donor = 0;
      while (rng.next() * (n - k) >= counts[donor]! - 1) donor = (donor + 1) % k;
      for (let i = 0; i < d; i++) {
        const sign = i % 2 === 0 ? 1 : -1;
        book[c * d + i] = book[donor * d + i]! * (1 + sign * SPLIT_EPS);
        book[donor * d + i] = book[donor * d + i]! * (1 - sign * SPLIT_EPS);
      }
      counts[c] = counts[donor]! >> 1;
      counts[donor] = counts[donor]! - counts[c]!;
    }
  }
}
