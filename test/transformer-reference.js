// Float64 reference of a BERT/ERNIE sequence classifier, written from the math (not from the package's code):
// embeddings (word + position + token type [+ task type 0]) and LayerNorm; per layer Q/K/V, scaled dot-product
// attention over the unmasked keys only, output dense + residual + LayerNorm, feed-forward (erf GELU or ReLU)
// + residual + LayerNorm; pooler tanh(W h[CLS] + b); classifier. Weights by Hugging Face name (no prefix),
// dense weights [out, in].

function layerNorm(x, gamma, beta, eps) {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  variance /= n;
  const inv = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * inv * gamma[i] + beta[i]);
}

function linear(x, W, b) {
  const out = b.length;
  const inDim = x.length;
  const y = new Array(out);
  for (let o = 0; o < out; o++) {
    let s = b[o];
    for (let i = 0; i < inDim; i++) s += W[o * inDim + i] * x[i];
    y[o] = s;
  }
  return y;
}

// erf by Abramowitz-Stegun 7.1.26 is only 1e-7; this series/continued-fraction pair is exact to ~1e-15.
export function erf(x) {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a < 2.5) {
    // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
    let term = a;
    let sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sign * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc by Lentz's continued fraction for large |x|.
  let f = a;
  let C = a;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = a + an * D;
    D = 1 / D;
    C = a + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return sign * (1 - erfc);
}

export const gelu = (v) => 0.5 * v * (1 + erf(v / Math.SQRT2));

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function mix64(z) {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * Row `row`'s dropout stream as the native trainer draws it (SplitMix64 seeded with a mix of seed and row):
 * a function giving successive uniforms in [0, 1) of 24 bits.
 */
export function dropoutStream(seed, row) {
  const next = dropoutDraws(seed, row);
  return () => Number(next() >> 40n) / 16777216;
}

/** The same stream's raw draws: a function giving successive 64-bit BigInts (SplitMix64's Next()). */
export function dropoutDraws(seed, row) {
  const rowSeed = mix64((BigInt(seed) + BigInt(row + 1) * GOLDEN) & MASK64);
  let state = (rowSeed * GOLDEN + 0x632be59bd9b4e019n) & MASK64;
  return () => {
    state = (state + GOLDEN) & MASK64;
    return mix64(state);
  };
}

// count keep factors: 0 with probability p, else 1 / (1 - p) (p and the scale in float32, as drawn natively).
export function keepFactors(unit, p, count) {
  const pf = Math.fround(p);
  const scale = Math.fround(1 / Math.fround(1 - pf));
  return Array.from({ length: count }, () => (unit() < pf ? 0 : scale));
}

/**
 * Logits [rows][labels] of a batch: ids, typeIds and mask are arrays of rows (mask 1 = a real token).
 * config is config.json's fields; W maps names to Float32Array. dropout { hidden, attention, seed }: the
 * training masks, drawn in the native order (embeddings; per layer attention weights, attention output,
 * feed-forward output; pooled).
 */
export function referenceLogits(config, W, ids, typeIds, mask, dropout) {
  const H = config.hidden_size;
  const heads = config.num_attention_heads;
  const d = H / heads;
  const eps = config.layer_norm_eps;
  const act = config.hidden_act === 'relu' ? (v) => Math.max(0, v) : gelu;
  const row = (name, r) => Array.from(W.get(name).subarray(r * H, (r + 1) * H));
  const ln = (x, name) => layerNorm(x, W.get(`${name}.weight`), W.get(`${name}.bias`), eps);
  const lin = (x, name) => linear(x, W.get(`${name}.weight`), W.get(`${name}.bias`));
  const hiddenP = dropout?.hidden ?? 0;
  const attentionP = dropout?.attention ?? 0;
  return ids.map((rowIds, b) => {
    const n = rowIds.length;
    const unit = dropout ? dropoutStream(dropout.seed ?? 0, b) : null;
    // Hidden dropout of rows [n][H] (or a vector) in place, in row-major order.
    const dropRows = (rows) => {
      if (hiddenP <= 0) return rows;
      const keep = keepFactors(unit, hiddenP, rows.length * H);
      return rows.map((r, t) => r.map((v, j) => v * keep[t * H + j]));
    };
    let h = rowIds.map((id, t) => {
      const parts = [
        row('embeddings.word_embeddings.weight', id),
        row('embeddings.position_embeddings.weight', t),
        row('embeddings.token_type_embeddings.weight', typeIds[b][t]),
      ];
      if (config.use_task_id) parts.push(row('embeddings.task_type_embeddings.weight', 0));
      const sum = parts[0].map((_, j) => parts.reduce((s, p) => s + p[j], 0));
      return ln(sum, 'embeddings.LayerNorm');
    });
    h = dropRows(h);
    for (let l = 0; l < config.num_hidden_layers; l++) {
      const p = `encoder.layer.${l}`;
      const q = h.map((x) => lin(x, `${p}.attention.self.query`));
      const k = h.map((x) => lin(x, `${p}.attention.self.key`));
      const v = h.map((x) => lin(x, `${p}.attention.self.value`));
      const context = h.map(() => new Array(H).fill(0));
      const probKeep = attentionP > 0 ? keepFactors(unit, attentionP, heads * n * n) : null;
      for (let head = 0; head < heads; head++) {
        for (let i = 0; i < n; i++) {
          // Softmax over the keys whose mask is 1; padded keys get no weight at all.
          const scores = [];
          for (let j = 0; j < n; j++) {
            if (!mask[b][j]) continue;
            let s = 0;
            for (let e = 0; e < d; e++) s += q[i][head * d + e] * k[j][head * d + e];
            scores.push([j, s / Math.sqrt(d)]);
          }
          const top = Math.max(...scores.map(([, s]) => s));
          const z = scores.reduce((acc, [, s]) => acc + Math.exp(s - top), 0);
          for (const [j, s] of scores) {
            const p_ = (Math.exp(s - top) / z) * (probKeep ? probKeep[(head * n + i) * n + j] : 1);
            for (let e = 0; e < d; e++) context[i][head * d + e] += p_ * v[j][head * d + e];
          }
        }
      }
      const attnKeep = hiddenP > 0 ? keepFactors(unit, hiddenP, n * H) : null;
      const downKeep = hiddenP > 0 ? keepFactors(unit, hiddenP, n * H) : null;
      h = h.map((x, i) => {
        const attn = lin(context[i], `${p}.attention.output.dense`).map(
          (v, j) => v * (attnKeep ? attnKeep[i * H + j] : 1),
        );
        const a = ln(
          x.map((xv, j) => xv + attn[j]),
          `${p}.attention.output.LayerNorm`,
        );
        const up = lin(a, `${p}.intermediate.dense`).map(act);
        const down = lin(up, `${p}.output.dense`).map((v, j) => v * (downKeep ? downKeep[i * H + j] : 1));
        return ln(
          a.map((av, j) => av + down[j]),
          `${p}.output.LayerNorm`,
        );
      });
    }
    const pooled = dropRows([lin(h[0], 'pooler.dense').map(Math.tanh)])[0];
    return lin(pooled, 'classifier');
  });
}
