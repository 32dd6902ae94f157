// The attention heads of one sequence, forward and back, on each path (the AVX-512 kernels and the portable
// gathered products) against a float64 reference, at sequence lengths and head sizes that reach every register
// tile and masked remainder: key masks none, partial and total, with and without attention dropout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../dist/native.js';

const { attentionHeads } = native();

function random(count, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** The math of self_attention.h for every head, in float64. */
function reference(heads, d, n, q, k, v, keyMask, keep, dcontext) {
  const H = heads * d;
  const scale = 1 / Math.sqrt(d);
  const any = keyMask.some((m) => m !== 0);
  const counted = (j) => !any || keyMask[j] !== 0;
  const out = {
    probs: new Float64Array(heads * n * n),
    dropped: keep ? new Float64Array(heads * n * n) : null,
    context: new Float64Array(n * H),
    dq: new Float64Array(n * H),
    dk: new Float64Array(n * H),
    dv: new Float64Array(n * H),
  };
  for (let h = 0; h < heads; h++) {
    const at = h * n * n;
    const col = (x, t, c) => x[t * H + h * d + c];
    const used = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const s = new Float64Array(n);
      let top = -Infinity;
      for (let j = 0; j < n; j++) {
        for (let c = 0; c < d; c++) s[j] += col(q, i, c) * col(k, j, c) * scale;
        if (counted(j)) top = Math.max(top, s[j]);
      }
      let sum = 0;
      for (let j = 0; j < n; j++) sum += counted(j) ? Math.exp(s[j] - top) : 0;
      for (let j = 0; j < n; j++) {
        const p = counted(j) ? Math.exp(s[j] - top) / sum : 0;
        out.probs[at + i * n + j] = p;
        used[i * n + j] = keep ? p * keep[at + i * n + j] : p;
        if (keep) out.dropped[at + i * n + j] = used[i * n + j];
      }
    }
    for (let i = 0; i < n; i++) {
      const dp = new Float64Array(n);
      let dot = 0;
      for (let j = 0; j < n; j++) {
        for (let c = 0; c < d; c++) dp[j] += col(dcontext, i, c) * col(v, j, c);
        if (keep) dp[j] *= keep[at + i * n + j];
        dot += out.probs[at + i * n + j] * dp[j];
      }
      for (let j = 0; j < n; j++) {
        const ds = out.probs[at + i * n + j] * (dp[j] - dot);
        const u = used[i * n + j];
        for (let c = 0; c < d; c++) {
          out.context[i * H + h * d + c] += u * col(v, j, c);
          out.dv[j * H + h * d + c] += u * col(dcontext, i, c);
          out.dq[i * H + h * d + c] += ds * col(k, j, c) * scale;
          out.dk[j * H + h * d + c] += ds * col(q, i, c) * scale;
        }
      }
    }
  }
  return out;
}

function masks(n) {
  const partial = Uint8Array.from({ length: n }, (_, j) => (j === 1 || j >= n - Math.floor(n / 3) ? 0 : 1));
  if (n > 1) partial[0] = 1;
  return { none: new Uint8Array(n).fill(1), partial, all: new Uint8Array(n) };
}

function assertClose(got, want, what) {
  let scale = 1;
  for (const x of want) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst <= 2e-5 * scale, `${what}: max |error| ${worst} (largest value ${scale})`);
}

for (const path of ['avx512', 'portable']) {
  test(`${path}: attention heads forward and backward equal a float64 reference`, (t) => {
    for (const [heads, d] of [
      [3, 26],
      [2, 64],
      [3, 8],
    ]) {
      for (const n of [1, 3, 17, 33, 128]) {
        const H = heads * d;
        const [q, k, v, dcontext] = [1, 2, 3, 4].map((s) => random(n * H, s * 1000 + n * 7 + d));
        // Large enough scores that the softmax is far from even.
        for (const x of [q, k]) x.forEach((value, i) => (x[i] = value * 2));
        const drop = random(heads * n * n, n + d);
        const keep = Float32Array.from(drop, (x) => (x < -0.5 ? 0 : 4 / 3));
        for (const [maskName, keyMask] of Object.entries(masks(n))) {
          for (const kept of [null, keep]) {
            const what = `${path} heads ${heads} d ${d} n ${n} mask ${maskName}${kept ? ' dropout' : ''}`;
            const got = attentionHeads(path, heads, d, n, q, k, v, keyMask, kept, dcontext);
            if (got === false) return t.skip(`this CPU cannot run ${path}`);
            const want = reference(heads, d, n, q, k, v, keyMask, kept, dcontext);
            for (const name of ['probs', 'context', 'dq', 'dk', 'dv'])
              assertClose(got[name], want[name], `${what} ${name}`);
            if (kept) assertClose(got.dropped, want.dropped, `${what} dropped`);
            else assert.equal(got.dropped, null);
            if (maskName === 'partial') {
              for (let i = 0; i < heads * n * n; i++)
                if (!keyMask[i % n]) assert.equal(got.probs[i], 0, `${what}: a masked key has weight ${got.probs[i]}`);
            }
          }
        }
      }
    }
  });
}

test('attentionHeads names a bad path', () => {
  const one = new Float32Array(8);
  assert.throws(
    () => attentionHeads('avx2', 1, 8, 1, one, one, one, new Uint8Array(1), null, one),
    /path must be avx512 or portable/,
  );
});
