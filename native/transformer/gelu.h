// GELU, the exact form 0.5 u (1 + erf(u / sqrt 2)), and its derivative Phi(u) + u phi(u), 4 lanes at a time:
// erf as a rational function of u (odd over even polynomials on [-4, 4], within 5e-7 of libm's erf) and
// phi through the students' 4-wide exp, since the compilers make no vector code of the libm calls.
#pragma once
#include <cmath>
#include <cstring>

#include "student/activations.h"

namespace ernie_slim {
namespace transformer {

#if defined(__GNUC__)
namespace gelu {
using student::vec::F4;
using student::vec::Splat;

inline F4 Erf(F4 a) {
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

inline F4 Gelu(F4 u) { return 0.5f * u * (1.0f + Erf(u * static_cast<float>(M_SQRT1_2))); }

// d GELU / du.
inline F4 GeluSlope(F4 u) {
  const F4 cdf = 0.5f * (1.0f + Erf(u * static_cast<float>(M_SQRT1_2)));
  return cdf + u * 0.3989422804014327f * student::vec::Exp(-0.5f * u * u);
}

template <typename Op>
inline void Apply(const float* up, long count, float* out, Op op) {
  long i = 0;
  F4 u, r;
  for (; i + 4 <= count; i += 4) {
    std::memcpy(&u, up + i, sizeof u);
    std::memcpy(&r, out + i, sizeof r);
    r = op(u, r);
    std::memcpy(out + i, &r, sizeof r);
  }
  if (i < count) {
    float tu[4] = {0, 0, 0, 0}, tr[4] = {0, 0, 0, 0};
    std::memcpy(tu, up + i, (count - i) * sizeof(float));
    std::memcpy(tr, out + i, (count - i) * sizeof(float));
    std::memcpy(&u, tu, sizeof u);
    std::memcpy(&r, tr, sizeof r);
    r = op(u, r);
    std::memcpy(tr, &r, sizeof r);
    std::memcpy(out + i, tr, (count - i) * sizeof(float));
  }
}
}  // namespace gelu

// act = GELU(up).
inline void GeluForward(const float* up, long count, float* act) {
  gelu::Apply(up, count, act, [](gelu::F4 u, gelu::F4) { return gelu::Gelu(u); });
}
// d *= GELU'(up).
inline void GeluBackward(const float* up, long count, float* d) {
  gelu::Apply(up, count, d, [](gelu::F4 u, gelu::F4 g) { return g * gelu::GeluSlope(u); });
}
#else
inline void GeluForward(const float* up, long count, float* act) {
  for (long i = 0; i < count; ++i) act[i] = 0.5f * up[i] * (1.0f + std::erf(up[i] * static_cast<float>(M_SQRT1_2)));
}
inline void GeluBackward(const float* up, long count, float* d) {
  for (long i = 0; i < count; ++i) {
    const float u = up[i];
    const float cdf = 0.5f * (1.0f + std::erf(u * static_cast<float>(M_SQRT1_2)));
    d[i] *= cdf + u * 0.3989422804014327f * std::exp(-0.5f * u * u);
  }
}
#endif

}  // namespace transformer
}  // namespace ernie_slim
