// The position-wise feed-forward block of one sequence x[n, H]:
//   out = act(x Wi + bi) Wo + bo, act = GELU (0.5 u (1 + erf(u / sqrt 2)), the exact form) or ReLU.
// (The residual and LayerNorm are the layer's.)
#pragma once
#include <vector>

#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

struct FeedForwardScratch {
  std::vector<float> up;  // [n, intermediate]
  void Reserve(int n, const TransformerConfig& config);
};

void FeedForwardForward(const TransformerConfig& config, const LayerWeights& layer, const float* x, int n,
                        FeedForwardScratch* scratch, float* out);

}  // namespace transformer
}  // namespace ernie_slim
