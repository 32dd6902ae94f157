// The transformer's element-wise kernels on each build (AVX-512 where the CPU has it, and the portable one):
// GELU and its slope against float64 over [-10, 10] and the tails; dropout masks bit for bit against the
// SplitMix64 stream as test/transformer-reference.js draws it (with skipped draws); LayerNorm forward and
// backward against float64, the backward's sums the same for every thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { native } from '../dist/native.js';
import { dropoutDraws, dropoutStream, erf, gelu, keepFactors } from './transformer-reference.js';

const { elementwiseKernel, dropoutKernel, layerNormKernel } = native();
const KERNELS = ['avx512', 'portable'];
// The AVX-512 build only runs where the CPU has it: the kernel functions answer false elsewhere.
const supported = (kernel) => elementwiseKernel(kernel, 'multiplyBy', new Float32Array(0), new Float32Array(0));

function random(count, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const geluSlope = (u) => 0.5 * (1 + erf(u / Math.SQRT2)) + (u * Math.exp(-0.5 * u * u)) / Math.sqrt(2 * Math.PI);

// -10 to 10 in steps of 1/1000 (an odd count, so the vector loops have a tail), then the far tails and zeros.
const UP = Float32Array.from([
  ...Array.from({ length: 20001 }, (_, i) => -10 + i / 1000),
  -1e4,
  -60,
  -30,
  30,
  60,
  1e4,
  0,
  -0,
]);

function run(kernel, op, input, out, slope) {
  assert.equal(elementwiseKernel(kernel, op, input, out, slope), true);
  return out;
}

for (const kernel of KERNELS) {
  const skip = supported(kernel) ? false : `this CPU has no ${kernel}`;

  test(
    `${kernel}: GELU and its slope match float64 within 5e-7 (relative past 1) over [-10, 10] and the tails`,
    { skip },
    () => {
      const act = run(kernel, 'geluForward', UP, new Float32Array(UP.length));
      const fusedAct = new Float32Array(UP.length);
      const slope = new Float32Array(UP.length);
      run(kernel, 'geluForwardAndSlope', UP, fusedAct, slope);
      for (let i = 0; i < UP.length; i++) {
        const u = UP[i];
        const bound = 5e-7 * Math.max(1, Math.abs(u));
        assert.ok(Math.abs(act[i] - gelu(u)) <= bound, `GELU(${u}) = ${act[i]}, float64 ${gelu(u)}`);
        assert.ok(Math.abs(slope[i] - geluSlope(u)) <= 5e-7, `GELU'(${u}) = ${slope[i]}, float64 ${geluSlope(u)}`);
      }
      // The fused pass gives the very values of the two separate ones.
      assert.deepEqual(fusedAct, act);
      const d = random(UP.length, 5);
      const backward = run(kernel, 'geluBackward', UP, Float32Array.from(d));
      assert.deepEqual(run(kernel, 'multiplyBy', slope, Float32Array.from(d)), backward);
      for (let i = 0; i < UP.length; i++) assert.equal(backward[i], Math.fround(d[i] * slope[i]));
    },
  );

  test(
    `${kernel}: dropout masks are the SplitMix64 stream's, bit for bit, and leave the stream past their draws`,
    { skip },
    () => {
      for (const p of [0.1, 0.5]) {
        for (const count of [0, 1, 7, 8, 9, 15, 16, 17, 1000]) {
          for (const [seed, row] of [
            [0, 0],
            [42, 3],
          ]) {
            const keep = new Float32Array(count).fill(NaN);
            const x = random(count, count + 1);
            const dropped = Float32Array.from(x);
            const next = dropoutKernel(kernel, seed, row, 0, p, keep, dropped);
            const want = keepFactors(dropoutStream(seed, row), p, count);
            assert.deepEqual(Array.from(keep), want, `p ${p}, count ${count}, seed ${seed}, row ${row}`);
            assert.deepEqual(
              dropped,
              Float32Array.from(x, (v, i) => v * want[i]),
            );
            const draws = dropoutDraws(seed, row);
            for (let i = 0; i < count; i++) draws();
            assert.equal(next, draws(), `the draw after ${count} units`);
          }
        }
      }
      // Without x, and after skipped draws: the mask is the stream's from there.
      const keep = new Float32Array(300);
      const next = dropoutKernel(kernel, 9, 1, 77, 0.25, keep, null);
      const unit = dropoutStream(9, 1);
      for (let i = 0; i < 77; i++) unit();
      assert.deepEqual(Array.from(keep), keepFactors(unit, 0.25, 300));
      assert.equal(typeof next, 'bigint');
    },
  );

  test(`${kernel}: Random::Skip(k) then Next() is the stream's (k + 1)-th draw`, { skip }, () => {
    const draws = dropoutDraws(123, 4);
    const want = Array.from({ length: 100001 }, () => draws());
    for (const k of [0, 1, 2, 7, 8, 15, 16, 17, 1000, 65536, 100000]) {
      assert.equal(dropoutKernel(kernel, 123, 4, k, 0.5, new Float32Array(0), null), want[k], `Skip(${k})`);
    }
  });
}

test('unknown kernels and ops are refused with one line', () => {
  const f = new Float32Array(2);
  assert.throws(() => elementwiseKernel('sse', 'geluForward', f, f), {
    message: 'elementwiseKernel: kernel must be avx512 or portable',
  });
  assert.throws(() => elementwiseKernel('portable', 'tanh', f, f), {
    message: 'elementwiseKernel: op must be geluForward, geluBackward, geluForwardAndSlope or multiplyBy',
  });
});

test('the trainer takes the AVX-512 kernels where the CPU has them, and ERNIE_SLIM_NO_AVX512=1 keeps the portable ones', () => {
  const { buildInfo } = native();
  const expected = process.env.ERNIE_SLIM_NO_AVX512 || process.env.ERNIE_SLIM_NO_AVX2 ? 'portable' : null;
  assert.equal(buildInfo().elementwiseKernel, expected ?? (supported('avx512') ? 'avx512' : 'portable'));
  // The choice is made once per process, so the variable is tried in a child.
  const script = `import { native } from ${JSON.stringify(new URL('../dist/native.js', import.meta.url).href)};
    process.stdout.write(native().buildInfo().elementwiseKernel);`;
  const child = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ERNIE_SLIM_NO_AVX512: '1' },
    encoding: 'utf8',
  });
  assert.equal(child, 'portable');
});

/** LayerNorm of rows [rows, h] and its backward pass of dy, in float64. */
function layerNormReference(x, rows, h, gamma, beta, eps, dy) {
  const y = new Float64Array(rows * h);
  const dx = new Float64Array(rows * h);
  const dgamma = new Float64Array(h);
  const dbeta = new Float64Array(h);
  for (let r = 0; r < rows; r++) {
    const xr = x.subarray(r * h, (r + 1) * h);
    let mean = 0;
    for (const v of xr) mean += v;
    mean /= h;
    let variance = 0;
    for (const v of xr) variance += (v - mean) ** 2;
    const rstd = 1 / Math.sqrt(variance / h + eps);
    const xHat = Array.from(xr, (v) => (v - mean) * rstd);
    let meanG = 0;
    let meanGX = 0;
    for (let j = 0; j < h; j++) {
      const d = dy[r * h + j];
      y[r * h + j] = xHat[j] * gamma[j] + beta[j];
      dgamma[j] += d * xHat[j];
      dbeta[j] += d;
      meanG += (d * gamma[j]) / h;
      meanGX += (d * gamma[j] * xHat[j]) / h;
    }
    for (let j = 0; j < h; j++) dx[r * h + j] = rstd * (dy[r * h + j] * gamma[j] - meanG - xHat[j] * meanGX);
  }
  return { y, dx, dgamma, dbeta };
}

function assertClose(got, want, tolerance, what) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const scale = Math.max(1, Math.abs(want[i]));
    assert.ok(Math.abs(got[i] - want[i]) <= tolerance * scale, `${what}[${i}] = ${got[i]}, float64 ${want[i]}`);
  }
}

for (const kernel of KERNELS) {
  const skip = supported(kernel) ? false : `this CPU has no ${kernel}`;
  test(
    `${kernel}: LayerNorm forward and backward match float64; the backward's sums do not depend on the thread count`,
    { skip },
    () => {
      // Widths across the 16-lane vectors and their tails; rows across the backward pass's 64-row blocks.
      for (const [rows, h] of [
        [0, 8],
        [1, 1],
        [3, 7],
        [5, 16],
        [70, 37],
        [130, 312],
      ]) {
        const x = Float32Array.from(random(rows * h, rows + h), (v, i) => 3 * v + (i % h === 0 ? 5 : 1));
        const gamma = Float32Array.from(random(h, 2), (v) => 1 + v / 2);
        const beta = random(h, 3);
        const dy = random(rows * h, 4);
        const eps = 1e-5;
        const want = layerNormReference(x, rows, h, gamma, beta, eps, dy);
        const got = layerNormKernel(kernel, 1, x, rows, h, gamma, beta, eps, dy);
        const what = `${rows} x ${h}`;
        assertClose(got.y, want.y, 2e-5, `${what} y`);
        assertClose(got.dx, want.dx, 2e-4, `${what} dx`);
        assertClose(got.dgamma, want.dgamma, 1e-4, `${what} dgamma`);
        assertClose(got.dbeta, want.dbeta, 1e-4, `${what} dbeta`);
        for (const threads of [2, 3]) {
          const again = layerNormKernel(kernel, threads, x, rows, h, gamma, beta, eps, dy);
          for (const name of ['dgamma', 'dbeta', 'dx']) {
            assert.deepEqual(again[name], got[name], `${what} ${name} on ${threads} threads`);
          }
        }
      }
    },
  );
}
