// Element-wise activations and their derivatives, written in terms of the forward output where possible.
// In-place use (y == x, dx == dy) is allowed: every element depends on its own index only.
#pragma once
#include <cmath>

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

inline void TanhForward(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
// Given y = tanh(x): dx = dy * (1 - y^2).
inline void TanhBackward(const float* y, const float* dy, float* dx, int n) {
  for (int i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline void ReluForward(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
// Given y = relu(x) (in place): dx = dy where y > 0.
inline void ReluBackward(const float* y, float* d, int n) {
  for (int i = 0; i < n; ++i) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
}

}  // namespace student
}  // namespace ernie_slim
