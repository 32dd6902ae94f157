// Classification figures: accuracy and macro-F1 (averaged over the labels present in gold or predictions).

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  n: number;
}

export function classificationMetrics(
  gold: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numLabels: number,
): ClassificationMetrics {
  const n = gold.length;
  const truePositive = new Float64Array(numLabels);
  const goldCount = new Float64Array(numLabels);
  const predictedCount = new Float64Array(numLabels);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const g = gold[i]!;
    const p = predicted[i]!;
    goldCount[g]!++;
    predictedCount[p]!++;
    if (g === p) {
      correct++;
      truePositive[g]!++;
    }
  }
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < numLabels; c++) {
    if (goldCount[c] === 0 && predictedCount[c] === 0) continue;
    present++;
    const denominator = goldCount[c]! + predictedCount[c]!;
    f1Sum += denominator > 0 ? (2 * truePositive[c]!) / denominator : 0;
  }
  return { accuracy: n ? correct / n : 0, macroF1: present ? f1Sum / present : 0, n };
}

/** Index of the largest of `width` values starting at `offset` (the first on ties). */
export function argmax(values: ArrayLike<number>, offset = 0, width = values.length): number {
  let best = 0;
  for (let i = 1; i < width; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}

/** Softmax of `width` logits starting at `offset`, as plain numbers. */
export function softmax(logits: ArrayLike<number>, offset = 0, width = logits.length): number[] {
  let max = -Infinity;
  for (let i = 0; i < width; i++) max = Math.max(max, logits[offset + i]!);
  const out = new Array<number>(width);
  let sum = 0;
  for (let i = 0; i < width; i++) sum += out[i] = Math.exp(logits[offset + i]! - max);
  for (let i = 0; i < width; i++) out[i]! /= sum;
  return out;
}

/** The positive/negative order ratio of a matching task, with the counts behind it. */
export interface PosNegRatio {
  /** concordant / discordant; null when no candidate pair is ordered the wrong way. */
  ratio: number | null;
  concordant: number;
  discordant: number;
  /** Candidate pairs with equal scores: counted apart, in neither side of the ratio. */
  ties: number;
  /** Queries with at least one positive and one negative candidate. */
  queries: number;
}

/**
 * The positive/negative order ratio (正逆序比): rows that share a query (text_a) are its candidates; each
 * (positive, negative) candidate pair of one query is concordant when the model scores the positive one higher,
 * discordant when lower, a tie when equal. `positive[i]` tells row i's gold label, `scores[i]` the model's
 * score (probability of the positive label).
 */
export function posNegRatio(
  queries: readonly string[],
  positive: ArrayLike<boolean>,
  scores: ArrayLike<number>,
): PosNegRatio {
  const groups = new Map<string, number[]>();
  queries.forEach((q, i) => {
    const rows = groups.get(q);
    if (rows) rows.push(i);
    else groups.set(q, [i]);
  });
  const result: PosNegRatio = { ratio: null, concordant: 0, discordant: 0, ties: 0, queries: 0 };
  for (const rows of groups.values()) {
    if (rows.length < 2) continue;
    const negatives = rows
      .filter((i) => !positive[i])
      .map((i) => scores[i]!)
      .sort((a, b) => a - b);
    const positives = rows.filter((i) => positive[i]).map((i) => scores[i]!);
    if (negatives.length === 0 || positives.length === 0) continue;
    result.queries++;
    // Each positive against the sorted negatives: below it concordant, above it discordant, equal a tie.
    for (const s of positives) {
      const below = lowerBound(negatives, s);
      const notAbove = upperBound(negatives, s);
      result.concordant += below;
      result.ties += notAbove - below;
      result.discordant += negatives.length - notAbove;
    }
  }
  result.ratio = result.discordant > 0 ? result.concordant / result.discordant : null;
  return result;
}

/** Values of sorted `a` below x. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Values of sorted `a` at most x. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
