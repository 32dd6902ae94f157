#include "transformer/feed_forward.h"

#include <algorithm>
#include <cmath>

#include "transformer/dense_rows.h"

namespace ernie_slim {
namespace transformer {

void FeedForwardScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t size = static_cast<size_t>(n) * c.intermediate;
  if (up.size() < size) up.resize(size);
  if (act.size() < size) act.resize(size);
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
    for (long i = 0; i < count; ++i) act[i] = 0.5f * up[i] * (1.0f + std::erf(up[i] * static_cast<float>(M_SQRT1_2)));
  }
  DenseRowsForward(act, n, layer.output, out);
}

void FeedForwardBackward(const TransformerConfig& c, const LayerWeights& layer, const float* x, int n,
                         const FeedForwardScratch& f, const float* dout, float* dact, LayerWeights* grad, float* dx) {
  const long count = static_cast<long>(n) * c.intermediate;
  std::fill(dact, dact + count, 0.0f);
  DenseRowsBackward(f.act.data(), n, layer.output, dout, &grad->output, dact);
  const float* up = f.up.data();
  if (c.activation == Activation::kRelu) {
    for (long i = 0; i < count; ++i) dact[i] = up[i] > 0.0f ? dact[i] : 0.0f;
  } else {
    const float inv_sqrt_2pi = 0.3989422804014327f;
    for (long i = 0; i < count; ++i) {
      const float u = up[i];
      const float cdf = 0.5f * (1.0f + std::erf(u * static_cast<float>(M_SQRT1_2)));
      dact[i] *= cdf + u * inv_sqrt_2pi * std::exp(-0.5f * u * u);
    }
  }
  DenseRowsBackward(x, n, layer.intermediate, dact, &grad->intermediate, dx);
}

}  // namespace transformer
}  // namespace ernie_slim
