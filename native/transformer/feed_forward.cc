#include "transformer/feed_forward.h"

#include <algorithm>
#include <cmath>

#include "transformer/dense_rows.h"
#include "transformer/gelu.h"

namespace ernie_slim {
namespace transformer {

void FeedForwardScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t size = static_cast<size_t>(n) * c.intermediate;
  device::Reserve(&up, size);
  device::Reserve(&act, size);
}

void FeedForwardForward(const TransformerConfig& c, const LayerWeights& layer, const float* x, int n,
                        FeedForwardScratch* s, float* out) {
  const float* up = s->up.data();
  float* act = s->act.data();
  DenseRowsForward(x, n, layer.intermediate, s->up.data());
  const long count = static_cast<long>(n) * c.intermediate;
  if (c.activation == Activation::kRelu) {
    for (long i = 0; i < count; ++i) act[i] = up[i] > 0.0f ? up[i] : 0.0f;
  } else {
    GeluForward(up, count, act);
  }
  DenseRowsForward(act, n, layer.output, out);
}

void FeedForwardBackward(const TransformerConfig& c, const LayerWeights& layer, const float* x, int n,
                         const FeedForwardScratch& f, const float* dout, float* dact, LayerWeights* grad, float* dx,
                         const LayerTransposes* t) {
  const long count = static_cast<long>(n) * c.intermediate;
  std::fill(dact, dact + count, 0.0f);
  DenseRowsBackward(f.act.data(), n, layer.output, dout, &grad->output, dact, t ? t->output.data() : nullptr);
  const float* up = f.up.data();
  if (c.activation == Activation::kRelu) {
    for (long i = 0; i < count; ++i) dact[i] = up[i] > 0.0f ? dact[i] : 0.0f;
  } else {
    GeluBackward(up, count, dact);
  }
  DenseRowsBackward(x, n, layer.intermediate, dact, &grad->intermediate, dx, t ? t->intermediate.data() : nullptr);
}

}  // namespace transformer
}  // namespace ernie_slim
