#include "transformer/layer_norm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "transformer/avx512_math.h"
#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace transformer {
namespace {

#if defined(__GNUC__)
typedef float F4 __attribute__((vector_size(16)));
inline F4 Load4(const float* p) {
  F4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void Store4(float* p, F4 v) { std::memcpy(p, &v, sizeof v); }
#endif

// Rows per block of the backward pass's dgamma and dbeta sums.
constexpr int kBlockRows = 64;

// Four running sums, so that the compiler makes one vector of them without reordering a float sum.
float Sum(const float* v, int h) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  int j = 0;
  for (; j + 4 <= h; j += 4) {
    s0 += v[j];
    s1 += v[j + 1];
    s2 += v[j + 2];
    s3 += v[j + 3];
  }
  for (; j < h; ++j) s0 += v[j];
  return (s0 + s2) + (s1 + s3);
}

float SquaredDistanceSum(const float* v, int h, float mean) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  int j = 0;
  for (; j + 4 <= h; j += 4) {
    s0 += (v[j] - mean) * (v[j] - mean);
    s1 += (v[j + 1] - mean) * (v[j + 1] - mean);
    s2 += (v[j + 2] - mean) * (v[j + 2] - mean);
    s3 += (v[j + 3] - mean) * (v[j + 3] - mean);
  }
  for (; j < h; ++j) s0 += (v[j] - mean) * (v[j] - mean);
  return (s0 + s2) + (s1 + s3);
}

void ForwardRowsPortable(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y,
                         float* x_hat, float* rstd) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<long>(r) * h;
    float* yr = y + static_cast<long>(r) * h;
    // Two passes: the mean first, so that the variance does not lose digits to cancellation.
    const float mean = Sum(xr, h) / static_cast<float>(h);
    const float var = SquaredDistanceSum(xr, h, mean) / static_cast<float>(h);
    const float inv = 1.0f / std::sqrt(var + eps);
    if (rstd) rstd[r] = inv;
    float* hr = x_hat ? x_hat + static_cast<long>(r) * h : nullptr;
    for (int j = 0; j < h; ++j) {
      const float xh = (xr[j] - mean) * inv;
      if (hr) hr[j] = xh;
      yr[j] = xh * gamma[j] + beta[j];
    }
  }
}

// Rows [0, rows): dgamma and dbeta added to, dx written; the row's two sums four running sums each, as in Sum.
void BackwardRowsPortable(const float* x_hat, const float* rstd, const float* gamma, const float* dy, int rows, int h,
                          float* dgamma, float* dbeta, float* dx) {
  for (int r = 0; r < rows; ++r) {
    const float* xh = x_hat + static_cast<long>(r) * h;
    const float* dyr = dy + static_cast<long>(r) * h;
    float* dxr = dx + static_cast<long>(r) * h;
    float g_sum = 0.0f, gx_sum = 0.0f;
    int j = 0;
#if defined(__GNUC__)
    F4 g4 = {0, 0, 0, 0}, gx4 = {0, 0, 0, 0};
    for (; j + 4 <= h; j += 4) {
      const F4 d = Load4(dyr + j), x = Load4(xh + j), g = d * Load4(gamma + j);
      Store4(dgamma + j, Load4(dgamma + j) + d * x);
      Store4(dbeta + j, Load4(dbeta + j) + d);
      g4 += g;
      gx4 += g * x;
    }
    g_sum = (g4[0] + g4[2]) + (g4[1] + g4[3]);
    gx_sum = (gx4[0] + gx4[2]) + (gx4[1] + gx4[3]);
#endif
    for (; j < h; ++j) {
      dgamma[j] += dyr[j] * xh[j];
      dbeta[j] += dyr[j];
      g_sum += dyr[j] * gamma[j];
      gx_sum += dyr[j] * gamma[j] * xh[j];
    }
    const float mean_g = g_sum / static_cast<float>(h), mean_gx = gx_sum / static_cast<float>(h);
    const float s = rstd[r];
    for (j = 0; j < h; ++j) dxr[j] = s * (dyr[j] * gamma[j] - mean_g - xh[j] * mean_gx);
  }
}

#ifdef ERNIE_SLIM_AVX512_KERNELS
ERNIE_SLIM_AVX512 inline __mmask16 FirstLanes(int n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// body(j, mask) over the row's 16-lane vectors: whole ones with a constant mask (plain loads and stores), then
// the tail.
template <typename Body>
ERNIE_SLIM_AVX512 inline void EachVector(int h, Body body) {
  int j = 0;
  for (; j + 16 <= h; j += 16) body(j, static_cast<__mmask16>(0xFFFF));
  if (j < h) body(j, FirstLanes(h - j));
}

ERNIE_SLIM_AVX512 void ForwardRowsAvx512(const float* x, int rows, int h, const float* gamma, const float* beta,
                                         float eps, float* y, float* x_hat, float* rstd) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<long>(r) * h;
    float* yr = y + static_cast<long>(r) * h;
    __m512 s = _mm512_setzero_ps();
    EachVector(h,
               [&](int j, __mmask16 m) ERNIE_SLIM_AVX512 { s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, xr + j)); });
    const __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(s) / static_cast<float>(h));
    __m512 v = _mm512_setzero_ps();
    EachVector(h, [&](int j, __mmask16 m) ERNIE_SLIM_AVX512 {
      const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, xr + j), mean);
      v = _mm512_fmadd_ps(d, d, v);
    });
    const float inv = 1.0f / std::sqrt(_mm512_reduce_add_ps(v) / static_cast<float>(h) + eps);
    if (rstd) rstd[r] = inv;
    const __m512 vinv = _mm512_set1_ps(inv);
    float* hr = x_hat ? x_hat + static_cast<long>(r) * h : nullptr;
    EachVector(h, [&](int j, __mmask16 m) ERNIE_SLIM_AVX512 {
      const __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + j), mean), vinv);
      if (hr) _mm512_mask_storeu_ps(hr + j, m, xh);
      _mm512_mask_storeu_ps(
          yr + j, m, _mm512_fmadd_ps(xh, _mm512_maskz_loadu_ps(m, gamma + j), _mm512_maskz_loadu_ps(m, beta + j)));
    });
  }
}

ERNIE_SLIM_AVX512 void BackwardRowsAvx512(const float* x_hat, const float* rstd, const float* gamma, const float* dy,
                                          int rows, int h, float* dgamma, float* dbeta, float* dx) {
  for (int r = 0; r < rows; ++r) {
    const float* xh = x_hat + static_cast<long>(r) * h;
    const float* dyr = dy + static_cast<long>(r) * h;
    float* dxr = dx + static_cast<long>(r) * h;
    __m512 sg = _mm512_setzero_ps(), sgx = _mm512_setzero_ps();
    EachVector(h, [&](int j, __mmask16 m) ERNIE_SLIM_AVX512 {
      const __m512 d = _mm512_maskz_loadu_ps(m, dyr + j), xv = _mm512_maskz_loadu_ps(m, xh + j);
      _mm512_mask_storeu_ps(dgamma + j, m, _mm512_fmadd_ps(d, xv, _mm512_maskz_loadu_ps(m, dgamma + j)));
      _mm512_mask_storeu_ps(dbeta + j, m, _mm512_add_ps(d, _mm512_maskz_loadu_ps(m, dbeta + j)));
      const __m512 g = _mm512_mul_ps(d, _mm512_maskz_loadu_ps(m, gamma + j));
      sg = _mm512_add_ps(sg, g);
      sgx = _mm512_fmadd_ps(g, xv, sgx);
    });
    const __m512 mean_g = _mm512_set1_ps(_mm512_reduce_add_ps(sg) / static_cast<float>(h));
    const __m512 mean_gx = _mm512_set1_ps(_mm512_reduce_add_ps(sgx) / static_cast<float>(h));
    const __m512 s = _mm512_set1_ps(rstd[r]);
    EachVector(h, [&](int j, __mmask16 m) ERNIE_SLIM_AVX512 {
      const __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dyr + j), _mm512_maskz_loadu_ps(m, gamma + j));
      const __m512 centered = _mm512_fnmadd_ps(_mm512_maskz_loadu_ps(m, xh + j), mean_gx, _mm512_sub_ps(g, mean_g));
      _mm512_mask_storeu_ps(dxr + j, m, _mm512_mul_ps(s, centered));
    });
  }
}
#endif

void BackwardRows(VectorKernel kernel, const float* x_hat, const float* rstd, const float* gamma, const float* dy,
                  int rows, int h, float* dgamma, float* dbeta, float* dx) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return BackwardRowsAvx512(x_hat, rstd, gamma, dy, rows, h, dgamma, dbeta, dx);
#endif
  BackwardRowsPortable(x_hat, rstd, gamma, dy, rows, h, dgamma, dbeta, dx);
}

}  // namespace

void LayerNormForwardWith(VectorKernel kernel, const float* x, int rows, int h, const float* gamma, const float* beta,
                          float eps, float* y, float* x_hat, float* rstd) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return ForwardRowsAvx512(x, rows, h, gamma, beta, eps, y, x_hat, rstd);
#endif
  ForwardRowsPortable(x, rows, h, gamma, beta, eps, y, x_hat, rstd);
}

void LayerNormBackwardWith(VectorKernel kernel, int threads, const float* x_hat, const float* rstd, const float* gamma,
                           const float* dy, int rows, int h, float* dgamma, float* dbeta, float* dx) {
  if (rows <= 0) return;
  // Each block's dgamma and dbeta (2 h values) from zero, then added to the totals block by block.
  const int blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<float> sums(static_cast<size_t>(blocks) * 2 * h, 0.0f);
  ParallelChunks(
      static_cast<size_t>(blocks), 1, threads, [] { return 0; },
      [&](int, size_t block, size_t) {
        const int r0 = static_cast<int>(block) * kBlockRows, n = std::min(kBlockRows, rows - r0);
        const long at = static_cast<long>(r0) * h;
        float* block_sums = sums.data() + block * 2 * h;
        BackwardRows(kernel, x_hat + at, rstd + r0, gamma, dy + at, n, h, block_sums, block_sums + h, dx + at);
      });
  for (int b = 0; b < blocks; ++b) {
    const float* block_sums = sums.data() + static_cast<size_t>(b) * 2 * h;
    for (int j = 0; j < h; ++j) {
      dgamma[j] += block_sums[j];
      dbeta[j] += block_sums[h + j];
    }
  }
}

void LayerNormForward(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y,
                      float* x_hat, float* rstd) {
  LayerNormForwardWith(ActiveVectorKernel(), x, rows, h, gamma, beta, eps, y, x_hat, rstd);
}

void LayerNormBackward(const float* x_hat, const float* rstd, const float* gamma, const float* dy, int rows, int h,
                       float* dgamma, float* dbeta, float* dx) {
  LayerNormBackwardWith(ActiveVectorKernel(), 1, x_hat, rstd, gamma, dy, rows, h, dgamma, dbeta, dx);
}

void LayerNormBackwardThreads(int threads, const float* x_hat, const float* rstd, const float* gamma, const float* dy,
                              int rows, int h, float* dgamma, float* dbeta, float* dx) {
  LayerNormBackwardWith(ActiveVectorKernel(), threads, x_hat, rstd, gamma, dy, rows, h, dgamma, dbeta, dx);
}

}  // namespace transformer
}  // namespace ernie_slim
