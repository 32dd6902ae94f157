// Multi-head self-attention of one sequence x[n, H] with a padding mask over the keys:
//   q = x Wq + bq, k = x Wk + bk, v = x Wv + bv, split into heads of d = H / heads columns;
//   per head: P = softmax(q_h k_h^T / sqrt(d)) over the keys whose mask is 1 (masked keys get weight 0;
//   if every key is masked, all n share the weight evenly, as an additive -10000 bias would give);
//   context_h = P v_h; out = context Wo + bo (the residual and LayerNorm are the layer's).
#pragma once
#include <cstdint>
#include <vector>

#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

// Scratch of one thread, sized for the longest sequence it meets.
struct AttentionScratch {
  std::vector<float> q, k, v, context;  // [n, H]
  std::vector<float> qh, kh, vh, ch;    // [n, d], one head's columns made contiguous
  std::vector<float> scores;            // [n, n]
  void Reserve(int n, const TransformerConfig& config);
};

void SelfAttentionForward(const TransformerConfig& config, const LayerWeights& layer, const float* x,
                          const uint8_t* key_mask, int n, AttentionScratch* scratch, float* out);

}  // namespace transformer
}  // namespace ernie_slim
