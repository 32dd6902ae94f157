#include "transformer/feed_forward.h"

#include <cmath>

#include "transformer/dense_rows.h"

namespace ernie_slim {
namespace transformer {

void FeedForwardScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t size = static_cast<size_t>(n) * c.intermediate;
  if (up.size() < size) up.resize(size);
}

void FeedForwardForward(const TransformerConfig& c, const LayerWeights& layer, const float* x, int n,
                        FeedForwardScratch* s, float* out) {
  float* up = s->up.data();
  DenseRowsForward(x, n, layer.intermediate, up);
  const long count = static_cast<long>(n) * c.intermediate;
  if (c.activation == Activation::kRelu) {
    for (long i = 0; i < count; ++i) up[i] = up[i] > 0.0f ? up[i] : 0.0f;
  } else {
    for (long i = 0; i < count; ++i) up[i] = 0.5f * up[i] * (1.0f + std::erf(up[i] * static_cast<float>(M_SQRT1_2)));
  }
  DenseRowsForward(up, n, layer.output, out);
}

}  // namespace transformer
}  // namespace ernie_slim
