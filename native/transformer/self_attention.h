// Multi-head self-attention of one sequence x[n, H] with a padding mask over the keys:
//   q = x Wq + bq, k = x Wk + bk, v = x Wv + bv, split into heads of d = H / heads columns;
//   per head: P = softmax(q_h k_h^T / sqrt(d)) over the keys whose mask is 1 (masked keys get weight 0;
//   if every key is masked, the softmax runs over all n keys, as an additive -10000 bias would give);
//   context_h = P v_h; out = context Wo + bo (the residual and LayerNorm are the layer's).
// Backward, per head, with q_h scaled by 1 / sqrt(d): dP = dcontext_h v_h^T, dv_h = P^T dcontext_h,
//   dS = P * (dP - rowsum(P * dP)) (masked keys have P = 0, so dS = 0 there), dq_h = dS k_h / sqrt(d),
//   dk_h = dS^T q_h / sqrt(d); then the Q/K/V and output dense layers' backward.
// Attention dropout (training): context_h = (P * keep) v_h with keep in {0, 1/(1-p)}; backward multiplies dP by
//   keep before the softmax's backward and uses P * keep for dv_h.
#pragma once
#include <cstdint>
#include <vector>

#include "transformer/dense_rows.h"
#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

// Which code runs the heads: kAvx512 (attention_avx512.h) on CPUs that have it, unless ERNIE_SLIM_NO_AVX512 is
// set (as for the matrix products, student/gemm.h); kPortable, the head's columns gathered into the matrix
// products, everywhere.
enum class AttentionPath { kPortable, kAvx512 };
AttentionPath ActiveAttentionPath();
// Whether this CPU (and build) can run the path, the environment aside.
bool AttentionPathSupported(AttentionPath path);

// Scratch of one thread, sized for the longest sequence it meets.
struct AttentionScratch {
  device::Buffer q, k, v, context;  // [n, H]
  // One head's columns made contiguous, [n, d] (kh as [d, n]; under kAvx512, kh alone, as [d, KeysStride(n)]).
  device::Buffer qh, kh, vh, ch;
  device::Buffer probs;  // [heads, n, n]: the attention weights, kept for the backward pass
  // Attention dropout: when `dropout` is set, the caller has filled keep [heads, n, n] with {0, 1/(1-p)}, and
  // dropped holds probs * keep after the forward pass.
  bool dropout = false;
  device::Buffer keep, dropped;
  void Reserve(int n, const TransformerConfig& config);
};

// Backward-only buffers of one thread.
struct AttentionGradScratch {
  device::Buffer dq, dk, dv, dcontext;  // [n, H]
  device::Buffer qh, kh, vh, dch, dqh, dkh,
      dvh;            // [n, d] (vh as [d, n]; under kAvx512, vh alone, as [d, KeysStride(n)])
  device::Buffer dp;  // [n, n]
  void Reserve(int n, const TransformerConfig& config);
};

// The heads of one sequence alone, q, k, v [n, H] in, context [n, H] out (the dense layers are the caller's):
// probs [heads, n, n] receives the attention weights; keep (null: no attention dropout) [heads, n, n] is
// {0, 1/(1-p)}, and dropped receives probs * keep. s supplies the per-head scratch (qh, kh, vh, ch).
void AttentionHeadsForward(const TransformerConfig& config, const float* q, const float* k, const float* v,
                           const uint8_t* key_mask, int n, AttentionScratch* s, float* probs, const float* keep,
                           float* dropped, float* context);

// Its backward pass: dq, dk, dv [n, H] are overwritten; g supplies the per-head scratch and dp. Under kAvx512,
// dropped is not read (P * keep is formed again from probs and keep, one tape stream fewer from memory).
void AttentionHeadsBackward(const TransformerConfig& config, const float* q, const float* k, const float* v, int n,
                            const float* probs, const float* keep, const float* dropped, const float* dcontext,
                            AttentionGradScratch* g, float* dq, float* dk, float* dv);

// The two on a given path, which must be supported (the ones above take ActiveAttentionPath()).
void AttentionHeadsForwardOn(AttentionPath path, const TransformerConfig& config, const float* q, const float* k,
                             const float* v, const uint8_t* key_mask, int n, AttentionScratch* s, float* probs,
                             const float* keep, float* dropped, float* context);
void AttentionHeadsBackwardOn(AttentionPath path, const TransformerConfig& config, const float* q, const float* k,
                              const float* v, int n, const float* probs, const float* keep, const float* dropped,
                              const float* dcontext, AttentionGradScratch* g, float* dq, float* dk, float* dv);

void SelfAttentionForward(const TransformerConfig& config, const LayerWeights& layer, const float* x,
                          const uint8_t* key_mask, int n, AttentionScratch* scratch, float* out);

// `forward` is the scratch of this layer's forward pass on the same x; accumulates into grad and adds dx.
// transposes: the layer's W^T (dense_rows.h), or null.
void SelfAttentionBackward(const TransformerConfig& config, const LayerWeights& layer, const float* x, int n,
                           const AttentionScratch& forward, const float* dout, AttentionGradScratch* scratch,
                           LayerWeights* grad, float* dx, const LayerTransposes* transposes = nullptr);

}  // namespace transformer
}  // namespace ernie_slim
