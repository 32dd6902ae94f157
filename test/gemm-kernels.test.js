// The matrix-product kernels (baseline, AVX2 + FMA, AVX-512 on packed panels), each against a float64 product
// at sizes that reach every tile and remainder: C += A @ B with A plain or a transposed view, and C += A @ B^T.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../dist/native.js';

const { matrixProduct, buildInfo } = native();

function random(count, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** c0 + A @ B in float64; A(i, p) = a[i * aRow + p * aCol]; B(p, j) = b[p * n + j], or b[j * k + p] transposed. */
function reference(m, n, k, a, aRow, aCol, b, transposeB, c0) {
  const out = Float64Array.from(c0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * aRow + p * aCol] * (transposeB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] += sum;
    }
  return out;
}

// Rows across the 12-, 6- and 4-row tiles and their remainders; columns across the 32/16/8 panels and masks;
// depths across the 256-row packing blocks.
const SIZES = [
  [1, 1, 1],
  [3, 7, 5],
  [4, 16, 9],
  [5, 33, 17],
  [12, 32, 64],
  [13, 47, 300],
  [25, 17, 257],
  [37, 65, 31],
  [80, 130, 128],
];

for (const kernel of ['baseline', 'avx2', 'avx512']) {
  for (const layout of ['A @ B', 'A^T @ B', 'A @ B^T']) {
    test(`${kernel}: ${layout} equals a float64 product at every tile size`, (t) => {
      for (const [m, n, k] of SIZES) {
        const transposeA = layout === 'A^T @ B';
        const transposeB = layout === 'A @ B^T';
        const a = random(m * k, m * 7 + k);
        const b = random(k * n, n * 13 + k);
        const c = random(m * n, m + n);
        const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
        const want = reference(m, n, k, a, aRow, aCol, b, transposeB, c);
        const got = Float32Array.from(c);
        const ran = matrixProduct(kernel, transposeB, m, n, k, a, aRow, aCol, b, got);
        if (!ran) return t.skip(`this CPU has no ${kernel}`);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        assert.ok(worst <= 2e-6 * Math.sqrt(k) * 4, `${m}x${n}x${k}: max |error| ${worst}`);
      }
    });
  }
}

test('the kernel in use is named, and bad arguments are refused in one line', () => {
  assert.match(buildInfo().gemmKernel, /^(avx512|avx2|baseline)$/);
  const f = new Float32Array(4);
  assert.throws(() => matrixProduct('sse', false, 1, 1, 1, f, 1, 1, f, f), {
    message: 'matrixProduct: kernel must be avx512, avx2 or baseline',
  });
  assert.throws(() => matrixProduct('baseline', false, 2, 2, 2, f, 2, 1, f, new Float32Array(3)), {
    message: 'matrixProduct: the arrays are too short for the sizes given',
  });
});
