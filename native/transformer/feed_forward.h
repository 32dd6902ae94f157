// The position-wise feed-forward block of one sequence x[n, H]:
//   out = act(x Wi + bi) Wo + bo, act = GELU (0.5 u (1 + erf(u / sqrt 2)), the exact form; gelu.h) or ReLU.
// (The residual and LayerNorm are the layer's.)
// Backward: dact = dout Wo^T, dup = dact * act'(up) with GELU'(u) = Phi(u) + u phi(u) (the normal's cdf and
// density) and ReLU'(u) = [u > 0]; then the two dense layers' backward.
#pragma once
#include <vector>

#include "transformer/dense_rows.h"
#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

struct FeedForwardScratch {
  device::Buffer up, act;  // [n, intermediate]: before and after the activation
  void Reserve(int n, const TransformerConfig& config);
};

void FeedForwardForward(const TransformerConfig& config, const LayerWeights& layer, const float* x, int n,
                        FeedForwardScratch* scratch, float* out);

// `forward` is this layer's forward scratch on the same x; dact is [n, intermediate] of scratch space;
// accumulates into grad and adds dx. transposes: the layer's W^T (dense_rows.h), or null.
void FeedForwardBackward(const TransformerConfig& config, const LayerWeights& layer, const float* x, int n,
                         const FeedForwardScratch& forward, const float* dout, float* dact, LayerWeights* grad,
                         float* dx, const LayerTransposes* transposes = nullptr);

}  // namespace transformer
}  // namespace ernie_slim
