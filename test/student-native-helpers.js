// Shared fixtures for the native student tests: small models and generated data (no ../shared needed).
import { native } from '../dist/native.js';

export const { StudentModel } = native();

// Deterministic generator for fixtures (mulberry32).
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rowsFrom(list) {
  const offsets = new Int32Array(list.length + 1);
  list.forEach((r, i) => {
    offsets[i + 1] = offsets[i] + r.length;
  });
  const ids = new Int32Array(offsets[list.length]);
  list.forEach((r, i) => ids.set(r, offsets[i]));
  return { ids, offsets };
}

// Two classes told apart by which half of the vocabulary most of a row's words come from.
export function separableData(n, vocabSize, seed, numLabels = 2) {
  const rand = rng(seed);
  const rows = [];
  const labels = new Int32Array(n);
  const span = Math.floor((vocabSize - 2) / numLabels);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(rand() * numLabels);
    labels[i] = label;
    const len = 3 + Math.floor(rand() * 10);
    const row = [];
    for (let t = 0; t < len; t++) {
      const own = rand() < 0.8;
      const cls = own ? label : Math.floor(rand() * numLabels);
      row.push(2 + cls * span + Math.floor(rand() * span));
    }
    rows.push(row);
  }
  return { ...rowsFrom(rows), labels, teacherLogits: null };
}

// Text pairs: each side's words come mostly from one of `topics` slices of the vocabulary; label 1 when the
// two sides share their topic. Only the two texts together tell the label.
export function pairData(n, vocabSize, seed, topics = 4) {
  const rand = rng(seed);
  const span = Math.floor((vocabSize - 2) / topics);
  const side = (topic) =>
    Array.from({ length: 2 + Math.floor(rand() * 6) }, () => {
      const t = rand() < 0.85 ? topic : Math.floor(rand() * topics);
      return 2 + t * span + Math.floor(rand() * span);
    });
  const a = [],
    b = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ta = Math.floor(rand() * topics);
    const same = rand() < 0.5;
    const tb = same ? ta : (ta + 1 + Math.floor(rand() * (topics - 1))) % topics;
    labels[i] = same ? 1 : 0;
    a.push(side(ta));
    b.push(side(tb));
  }
  const rb = rowsFrom(b);
  return { ...rowsFrom(a), idsB: rb.ids, offsetsB: rb.offsets, labels, teacherLogits: null };
}

export function accuracy(logits, labels, numLabels) {
  let ok = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let k = 1; k < numLabels; k++) if (logits[r * numLabels + k] > logits[r * numLabels + best]) best = k;
    ok += best === labels[r] ? 1 : 0;
  }
  return ok / labels.length;
}

export function permutation(n, seed) {
  const rand = rng(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export function epochOptions(overrides = {}) {
  return {
    order: new Int32Array(0),
    batchSize: 16,
    lr: 0.01,
    stepOffset: 0,
    totalSteps: 1000,
    warmupSteps: 0,
    weightDecay: 0.01,
    clipNorm: 5,
    temperature: 1,
    alpha: 0.5,
    threads: 1,
    seed: 7,
    ...overrides,
  };
}
