#include "transformer/gelu.h"

#include <cmath>
#include <cstring>

#include "student/activations.h"
#include "transformer/avx512_math.h"

namespace ernie_slim {
namespace transformer {
namespace {

constexpr float kSqrtHalf = static_cast<float>(M_SQRT1_2);
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

#if defined(__GNUC__)
using student::vec::F4;
using student::vec::Splat;

F4 Erf4(F4 a) {
  const F4 lo = Splat(-4.0f), hi = Splat(4.0f);
  F4 x = a < lo ? lo : a;
  x = x > hi ? hi : x;
  const F4 x2 = x * x;
  F4 p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = x2 * p + -2.10102402082508e-06f;
  p = x2 * p + -5.69250639462346e-05f;
  p = x2 * p + -7.34990630326855e-04f;
  p = x2 * p + -2.95459980854025e-03f;
  p = x2 * p + -1.60960333262415e-02f;
  F4 q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  q = x2 * q + -1.68282697438203e-03f;
  q = x2 * q + -7.37332916720468e-03f;
  q = x2 * q + -1.42647390514189e-02f;
  return x * p / q;
}

// GELU(u) = u Phi(u) and, when slope is not null, GELU'(u) = Phi(u) + u phi(u), from one erf.
inline F4 Gelu4(F4 u, F4* slope) {
  const F4 cdf = 0.5f * (1.0f + Erf4(u * kSqrtHalf));
  if (slope) *slope = cdf + u * kInvSqrt2Pi * student::vec::Exp(-0.5f * u * u);
  return u * cdf;
}

inline F4 Load4(const float* p) {
  F4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void Store4(float* p, F4 v) { std::memcpy(p, &v, sizeof v); }

// op(u, &a, &b) over 4-lane vectors of up and of a and b (read, then written; either may be null); the tail
// padded with zeros, so that every element takes the same path.
template <typename Op>
void Apply4(const float* up, long count, float* a, float* b, Op op) {
  long i = 0;
  for (; i + 4 <= count; i += 4) {
    F4 va = a ? Load4(a + i) : Splat(0.0f), vb = b ? Load4(b + i) : Splat(0.0f);
    op(Load4(up + i), &va, &vb);
    if (a) Store4(a + i, va);
    if (b) Store4(b + i, vb);
  }
  if (i < count) {
    const size_t bytes = (count - i) * sizeof(float);
    float tu[4] = {0, 0, 0, 0}, ta[4] = {0, 0, 0, 0}, tb[4] = {0, 0, 0, 0};
    std::memcpy(tu, up + i, bytes);
    if (a) std::memcpy(ta, a + i, bytes);
    if (b) std::memcpy(tb, b + i, bytes);
    F4 va = Load4(ta), vb = Load4(tb);
    op(Load4(tu), &va, &vb);
    Store4(ta, va);
    Store4(tb, vb);
    if (a) std::memcpy(a + i, ta, bytes);
    if (b) std::memcpy(b + i, tb, bytes);
  }
}

void GeluForwardPortable(const float* up, long count, float* act) {
  Apply4(up, count, act, nullptr, [](F4 u, F4* a, F4*) { *a = Gelu4(u, nullptr); });
}
void GeluBackwardPortable(const float* up, long count, float* d) {
  Apply4(up, count, d, nullptr, [](F4 u, F4* g, F4*) {
    F4 slope;
    Gelu4(u, &slope);
    *g = *g * slope;
  });
}
void GeluForwardAndSlopePortable(const float* up, long count, float* act, float* slope) {
  Apply4(up, count, act, slope, [](F4 u, F4* a, F4* s) { *a = Gelu4(u, s); });
}
#else
inline float Cdf(float u) { return 0.5f * (1.0f + std::erf(u * kSqrtHalf)); }
inline float Slope(float u) { return Cdf(u) + u * kInvSqrt2Pi * std::exp(-0.5f * u * u); }

void GeluForwardPortable(const float* up, long count, float* act) {
  for (long i = 0; i < count; ++i) act[i] = up[i] * Cdf(up[i]);
}
void GeluBackwardPortable(const float* up, long count, float* d) {
  for (long i = 0; i < count; ++i) d[i] *= Slope(up[i]);
}
void GeluForwardAndSlopePortable(const float* up, long count, float* act, float* slope) {
  for (long i = 0; i < count; ++i) {
    act[i] = up[i] * Cdf(up[i]);
    slope[i] = Slope(up[i]);
  }
}
#endif

void MultiplyByPortable(const float* factor, long count, float* d) {
  for (long i = 0; i < count; ++i) d[i] *= factor[i];
}

#ifdef ERNIE_SLIM_AVX512_KERNELS
// The same polynomials as Erf4, 16 lanes, each step one fused multiply-add.
ERNIE_SLIM_AVX512 inline __m512 Erf16(__m512 a) {
  const __m512 x = _mm512_min_ps(_mm512_max_ps(a, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
  const __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
  __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
  q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
  q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
  q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
  return _mm512_div_ps(_mm512_mul_ps(x, p), q);
}

ERNIE_SLIM_AVX512 inline __m512 Gelu16(__m512 u, __m512* slope) {
  const __m512 half = _mm512_set1_ps(0.5f);
  const __m512 cdf = _mm512_fmadd_ps(half, Erf16(_mm512_mul_ps(u, _mm512_set1_ps(kSqrtHalf))), half);
  if (slope) {
    const __m512 phi = Exp16(_mm512_mul_ps(_mm512_mul_ps(u, u), _mm512_set1_ps(-0.5f)));
    *slope = _mm512_fmadd_ps(_mm512_mul_ps(u, _mm512_set1_ps(kInvSqrt2Pi)), phi, cdf);
  }
  return _mm512_mul_ps(u, cdf);
}

ERNIE_SLIM_AVX512 inline __mmask16 FirstLanes(long n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// op(u, &a, &b) over 16-lane vectors, the tail masked; a and b are read, then written (either may be null).
template <typename Op>
ERNIE_SLIM_AVX512 inline void Step16(const float* up, float* a, float* b, __mmask16 m, Op op) {
  __m512 va = a ? _mm512_maskz_loadu_ps(m, a) : _mm512_setzero_ps();
  __m512 vb = b ? _mm512_maskz_loadu_ps(m, b) : _mm512_setzero_ps();
  op(_mm512_maskz_loadu_ps(m, up), &va, &vb);
  if (a) _mm512_mask_storeu_ps(a, m, va);
  if (b) _mm512_mask_storeu_ps(b, m, vb);
}

template <typename Op>
ERNIE_SLIM_AVX512 inline void Apply16(const float* up, long count, float* a, float* b, Op op) {
  long i = 0;
  for (; i + 16 <= count; i += 16) Step16(up + i, a ? a + i : nullptr, b ? b + i : nullptr, 0xFFFF, op);
  if (i < count) Step16(up + i, a ? a + i : nullptr, b ? b + i : nullptr, FirstLanes(count - i), op);
}

ERNIE_SLIM_AVX512 void GeluForwardAvx512(const float* up, long count, float* act) {
  Apply16(up, count, act, nullptr, [](__m512 u, __m512* a, __m512*) ERNIE_SLIM_AVX512 { *a = Gelu16(u, nullptr); });
}
ERNIE_SLIM_AVX512 void GeluBackwardAvx512(const float* up, long count, float* d) {
  Apply16(up, count, d, nullptr, [](__m512 u, __m512* g, __m512*) ERNIE_SLIM_AVX512 {
    __m512 slope;
    Gelu16(u, &slope);
    *g = _mm512_mul_ps(*g, slope);
  });
}
ERNIE_SLIM_AVX512 void GeluForwardAndSlopeAvx512(const float* up, long count, float* act, float* slope) {
  Apply16(up, count, act, slope, [](__m512 u, __m512* a, __m512* s) ERNIE_SLIM_AVX512 { *a = Gelu16(u, s); });
}
ERNIE_SLIM_AVX512 void MultiplyByAvx512(const float* factor, long count, float* d) {
  long i = 0;
  for (; i + 16 <= count; i += 16)
    _mm512_storeu_ps(d + i, _mm512_mul_ps(_mm512_loadu_ps(d + i), _mm512_loadu_ps(factor + i)));
  if (i < count) {
    const __mmask16 m = FirstLanes(count - i);
    _mm512_mask_storeu_ps(d + i, m,
                          _mm512_mul_ps(_mm512_maskz_loadu_ps(m, d + i), _mm512_maskz_loadu_ps(m, factor + i)));
  }
}
#endif

}  // namespace

void GeluForwardWith(VectorKernel kernel, const float* up, long count, float* act) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return GeluForwardAvx512(up, count, act);
#endif
  GeluForwardPortable(up, count, act);
}

void GeluBackwardWith(VectorKernel kernel, const float* up, long count, float* d) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return GeluBackwardAvx512(up, count, d);
#endif
  GeluBackwardPortable(up, count, d);
}

void GeluForwardAndSlopeWith(VectorKernel kernel, const float* up, long count, float* act, float* slope) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return GeluForwardAndSlopeAvx512(up, count, act, slope);
#endif
  GeluForwardAndSlopePortable(up, count, act, slope);
}

void MultiplyByWith(VectorKernel kernel, const float* factor, long count, float* d) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return MultiplyByAvx512(factor, count, d);
#endif
  MultiplyByPortable(factor, count, d);
}

void GeluForward(const float* up, long count, float* act) { GeluForwardWith(ActiveVectorKernel(), up, count, act); }
void GeluBackward(const float* up, long count, float* d) { GeluBackwardWith(ActiveVectorKernel(), up, count, d); }
void GeluForwardAndSlope(const float* up, long count, float* act, float* slope) {
  GeluForwardAndSlopeWith(ActiveVectorKernel(), up, count, act, slope);
}
void MultiplyBy(const float* factor, long count, float* d) { MultiplyByWith(ActiveVectorKernel(), factor, count, d); }

}  // namespace transformer
}  // namespace ernie_slim
