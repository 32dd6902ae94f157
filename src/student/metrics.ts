// Classification figures: accuracy and macro-F1 (averaged over the labels present in gold or predictions).

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  n: number;
}

export function classificationMetrics(gold: ArrayLike<number>, predicted: ArrayLike<number>, numLabels: number): ClassificationMetrics {
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
