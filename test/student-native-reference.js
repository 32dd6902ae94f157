// Float64 reference of the students' forward passes and losses, written from the formulas in
// native/student/{bow,cnn,lstm}_encoder.h and head.h. The gradient tests differentiate it numerically (float64
// central differences are exact to ~1e-9, where float32 ones are noisy) and compare with the native analytic
// gradients.

const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const softsign = (x) => x / (1 + Math.abs(x));

function dense(x, W, b, out) {
  const y = Array.from(b);
  for (let i = 0; i < x.length; i++) for (let k = 0; k < out; k++) y[k] += x[i] * W[i * out + k];
  return y;
}

function rowOf(table, id, E) {
  return Array.from(table.subarray(id * E, id * E + E));
}

// The encoder (tower), *_encoder.h: a token row -> bow h [H] | cnn softsign(pooled) [H] | lstm m [2H].
function referenceEncode(config, W, ids) {
  const { kind, embDim: E, hidden: H, vocabSize: V, bigramBuckets: B } = config;
  const emb = W.embedding.data;
  const n = ids.length;
  if (kind === 'bow') {
    const s = new Array(E).fill(0);
    const add = (row) => {
      for (let e = 0; e < E; e++) s[e] += emb[row * E + e];
    };
    for (const id of ids) add(id);
    if (B > 0)
      for (let t = 1; t < n; t++) add(V + Number((BigInt(ids[t - 1]) * 1000003n + BigInt(ids[t])) % BigInt(B)));
    return dense(s.map(softsign), W['dense1.weight'].data, W['dense1.bias'].data, H).map(Math.tanh);
  }
  const X = ids.map((id) => rowOf(emb, id, E));
  if (kind === 'cnn') {
    const w = W['conv.weight'].data;
    const p = new Array(H).fill(0);
    for (let t = 0; t < n; t++) {
      const c = Array.from(W['conv.bias'].data);
      for (let k = 0; k < 3; k++) {
        const s = t - 1 + k;
        if (s < 0 || s >= n) continue;
        for (let e = 0; e < E; e++) for (let j = 0; j < H; j++) c[j] += X[s][e] * w[(k * E + e) * H + j];
      }
      for (let j = 0; j < H; j++) p[j] += Math.max(0, c[j]);
    }
    return p.map(softsign);
  }
  // lstm
  const Wx = W['lstm.W'].data,
    R = W['lstm.R'].data,
    Bias = W['lstm.B'].data;
  const pooled = [];
  for (let d = 0; d < 2; d++) {
    let h = new Array(H).fill(0),
      c = new Array(H).fill(0);
    const hs = [];
    for (let step = 0; step < n; step++) {
      const t = d ? n - 1 - step : step;
      const g = [];
      for (let j = 0; j < 4 * H; j++) {
        let v = Bias[d * 8 * H + j] + Bias[d * 8 * H + 4 * H + j];
        for (let e = 0; e < E; e++) v += Wx[(d * 4 * H + j) * E + e] * X[t][e];
        for (let k = 0; k < H; k++) v += R[(d * 4 * H + j) * H + k] * h[k];
        g.push(v);
      }
      const nh = [],
        nc = [];
      for (let j = 0; j < H; j++) {
        const i = sigmoid(g[j]),
          o = sigmoid(g[H + j]),
          f = sigmoid(g[2 * H + j]),
          cc = Math.tanh(g[3 * H + j]);
        nc[j] = f * c[j] + i * cc;
        nh[j] = o * Math.tanh(nc[j]);
      }
      h = nh;
      c = nc;
      hs[t] = h;
    }
    for (let j = 0; j < H; j++) {
      let mx = n ? -Infinity : 0;
      for (let t = 0; t < n; t++) mx = Math.max(mx, hs[t][j]);
      pooled.push(mx);
    }
  }
  return pooled;
}

// util/random.h's SplitMix64 (BigInt), so the reference draws the native feature-dropout masks.
export function splitMix64(seed) {
  const M = (1n << 64n) - 1n;
  let state = (BigInt(seed) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n) & M;
  const next = () => {
    state = (state + 0x9e3779b97f4a7c15n) & M;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  return { unit: () => Number(next() >> 40n) / 16777216 };
}

// Inverted dropout on an encoding, as model.cc draws it: unit j dropped when the next Unit() < p.
function dropFeatures(u, dropout) {
  if (!dropout) return u;
  const keep = 1 / (1 - dropout.p);
  return u.map((x) => (dropout.random.unit() < dropout.p ? 0 : x * keep));
}

// Logits of one row (idsB: text_b of a pair model), head.h's heads over the encoder; `dropout` ({ p, random }):
// the training forward with feature dropout on each tower's output.
export function referenceLogits(config, W, ids, idsB, dropout) {
  const L = config.numLabels;
  const u = dropFeatures(referenceEncode(config, W, ids), dropout);
  if (!config.pair) {
    const head = config.kind === 'bow' ? 'dense2' : 'dense';
    return dense(u, W[`${head}.weight`].data, W[`${head}.bias`].data, L);
  }
  const v = dropFeatures(referenceEncode(config, W, idsB), dropout);
  const f = [...u, ...v, ...u.map((x, i) => Math.abs(x - v[i])), ...u.map((x, i) => x * v[i])];
  if (!config.matchHidden) return dense(f, W['classifier.weight'].data, W['classifier.bias'].data, L);
  const g = dense(f, W['match.weight'].data, W['match.bias'].data, config.matchHidden).map(Math.tanh);
  return dense(g, W['classifier.weight'].data, W['classifier.bias'].data, L);
}

function logSumExp(v, T) {
  const m = Math.max(...v.map((x) => x / T));
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x / T - m), 0));
}

// Mean over the rows of the hard / soft / mixed loss (head.h, loss.h); featureDropout ({ p, seed }): the masks
// the native BatchLossAndGradients draws from Random(seed), row after row; labelSmoothing: eps of the hard loss.
export function referenceLoss(config, W, data, rows, T, alpha, { featureDropout, labelSmoothing = 0 } = {}) {
  const L = config.numLabels;
  const dropout = featureDropout ? { p: featureDropout.p, random: splitMix64(featureDropout.seed) } : undefined;
  let total = 0,
    count = 0;
  for (const r of rows) {
    const y = data.labels[r];
    const t = data.teacherLogits ? Array.from(data.teacherLogits.subarray(r * L, r * L + L)) : null;
    const soft = t !== null && !Number.isNaN(t[0]);
    const hard = y >= 0;
    if (!soft && !hard) continue;
    const idsB = data.idsB ? Array.from(data.idsB.subarray(data.offsetsB[r], data.offsetsB[r + 1])) : undefined;
    const z = referenceLogits(
      config,
      W,
      Array.from(data.ids.subarray(data.offsets[r], data.offsets[r + 1])),
      idsB,
      dropout,
    );
    let l = 0;
    if (hard) {
      // -sum_k y'_k log p_k with y' = (1 - eps) onehot(y) + eps / L
      const lse = logSumExp(z, 1);
      let ce = (1 - labelSmoothing) * (lse - z[y]);
      for (let k = 0; k < L; k++) ce += (labelSmoothing / L) * (lse - z[k]);
      l += (soft ? 1 - alpha : 1) * ce;
    }
    if (soft) {
      const lt = logSumExp(t, T),
        lz = logSumExp(z, T);
      let ce = 0;
      for (let k = 0; k < L; k++) ce -= Math.exp(t[k] / T - lt) * (z[k] / T - lz);
      l += (hard ? alpha : 1) * T * T * ce;
    }
    total += l;
    count++;
  }
  return count ? total / count : 0;
}
