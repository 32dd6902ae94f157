// AdamW (Loshchilov & Hutter): Adam on the gradient, weight decay applied to the weight itself (decoupled).
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   w -= lr * (m / (1-b1^t) / (sqrt(v / (1-b2^t)) + eps) + wd * w)
// Embedding rows are updated lazily: only rows with a gradient this step (TensorFlow's LazyAdam).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ernie_slim {
namespace student {

struct AdamWStep {
  float lr;
  float weight_decay;
  float grad_scale;  // global-norm clipping factor
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float correction1;  // 1 / (1 - beta1^t)
  float correction2;  // 1 / (1 - beta2^t)

  AdamWStep(float lr, float weight_decay, float grad_scale, int64_t t);
};

// Updates n weights in place. A new value that would not be finite is not written; returns false then.
bool AdamWUpdate(float* w, float* m, float* v, const float* g, size_t n, const AdamWStep& step, bool decay);

}  // namespace student
}  // namespace ernie_slim
