// Element-wise activations and their derivatives, written in terms of the forward output where possible.
// In-place use (y == x, dx == dy) is allowed: every element depends on its own index only.
// tanh and sigmoid go through a 4-wide exp (vector extensions of GCC/Clang; relative error ~2e-7), which
// the compilers cannot make of the libm calls; every element, tail included, takes the same path.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ernie_slim {
namespace student {

// softsign(x) = x / (1 + |x|); d/dx = 1 / (1 + |x|)^2.
inline void SoftsignForward(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = x[i] / (1.0f + std::fabs(x[i]));
}
inline void SoftsignBackward(const float* x, const float* dy, float* dx, int n) {
  for (int i = 0; i < n; ++i) {
    float d = 1.0f + std::fabs(x[i]);
    dx[i] = dy[i] / (d * d);
  }
}

#if defined(__GNUC__)
namespace vec {
typedef float F4 __attribute__((vector_size(16)));
typedef int32_t I4 __attribute__((vector_size(16)));

inline F4 Splat(float c) { return F4{c, c, c, c}; }

inline F4 Exp(F4 x) {
  const F4 lo = {-87.0f, -87.0f, -87.0f, -87.0f}, hi = {88.0f, 88.0f, 88.0f, 88.0f};
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  // x = n ln2 + r, |r| <= ln2 / 2; n by the 1.5 * 2^23 rounding trick
  const F4 magic = {12582912.0f, 12582912.0f, 12582912.0f, 12582912.0f};
  F4 n = (x * 1.44269504088896341f + magic) - magic;
  F4 r = x - n * 0.693359375f - n * -2.12194440e-4f;
  F4 p = Splat(1.0f / 5040.0f);
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  I4 bits = (__builtin_convertvector(n, I4) + 127) << 23;
  return p * ((F4)(bits));
}

inline F4 Sigmoid(F4 x) { return 1.0f / (1.0f + Exp(-x)); }

inline F4 Tanh(F4 x) {
  I4 xi = ((I4)(x));
  I4 sign = xi & static_cast<int32_t>(0x80000000u);
  I4 absi = xi & 0x7fffffff;
  F4 ax = ((F4)(absi));
  F4 e = Exp(-2.0f * ax);
  F4 big = (1.0f - e) / (1.0f + e);
  F4 x2 = ax * ax;
  F4 small = ax * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f)));  // |x| < 0.03: no cancellation
  F4 t = ax < Splat(0.03f) ? small : big;
  I4 ti = ((I4)(t)) | sign;
  return ((F4)(ti));
}

template <F4 (*Op)(F4)>
inline void Apply(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    F4 v;
    std::memcpy(&v, x + i, sizeof v);
    v = Op(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  if (i < n) {
    float tmp[4] = {0, 0, 0, 0};
    std::memcpy(tmp, x + i, (n - i) * sizeof(float));
    F4 v;
    std::memcpy(&v, tmp, sizeof v);
    v = Op(v);
    std::memcpy(tmp, &v, sizeof v);
    std::memcpy(y + i, tmp, (n - i) * sizeof(float));
  }
}
}  // namespace vec

inline void TanhForward(const float* x, float* y, int n) { vec::Apply<vec::Tanh>(x, y, n); }
inline void SigmoidForward(const float* x, float* y, int n) { vec::Apply<vec::Sigmoid>(x, y, n); }
#else
inline void TanhForward(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
inline void SigmoidForward(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}
#endif

// Given y = tanh(x): dx = dy * (1 - y^2).
inline void TanhBackward(const float* y, const float* dy, float* dx, int n) {
  for (int i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

inline void ReluForward(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
// Given y = relu(x) (in place): dx = dy where y > 0.
inline void ReluBackward(const float* y, float* d, int n) {
  for (int i = 0; i < n; ++i) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
}

}  // namespace student
}  // namespace ernie_slim
