// The attention of one sequence's first ([CLS]) query row alone over its n keys: the last layer's whole
// attention when the loss reads only the [CLS] rows (the other rows' queries feed nothing after it).
// Per head h, d = H / heads, the same math as self_attention.h restricted to that row:
//   s_j = q_h . k_jh / sqrt(d); p = softmax(s) over the keys whose mask is 1 (over every key when none is);
//   context_h = sum_j (p_j keep_j) v_jh, keep in {0, 1/(1-p)} (attention dropout) or 1.
// Backward: dp_j = keep_j (dcontext_h . v_jh), dv_jh = p_j keep_j dcontext_h, dS_j = p_j (dp_j - sum_i p_i dp_i),
//   dq_h = sum_j dS_j k_jh / sqrt(d), dk_jh = dS_j q_h / sqrt(d).
#pragma once
#include <cstdint>

#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

// q [H], k and v [n, H] (rows of width H); probs [heads, n] receives the weights; keep [heads, n] or null.
void ClsAttentionForward(const TransformerConfig& config, const float* q, const float* k, const float* v,
                         const uint8_t* key_mask, int n, float* probs, const float* keep, float* context);

// dq [H], dk and dv [n, H] are overwritten.
void ClsAttentionBackward(const TransformerConfig& config, const float* q, const float* k, const float* v, int n,
                          const float* probs, const float* keep, const float* dcontext, float* dq, float* dk,
                          float* dv);

}  // namespace transformer
}  // namespace ernie_slim
