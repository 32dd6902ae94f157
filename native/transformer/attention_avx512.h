// One head of self-attention on AVX-512, for the small head sizes (8 to 64) and sequences (1 to a few hundred
// tokens) of fine-tuning: the head's columns of q, k, v [n, ld] are read in place (no gathers, no packing),
// register-tiled products write S = q k^T and context = P v a few rows at a time, and the scale, key mask,
// softmax and dropout run in one pass over those rows while they are in L1. Compiled for that target alone
// and called only on CPUs that have it (see ActiveAttentionPath in self_attention.h).
#pragma once
#include <cstdint>

namespace ernie_slim {
namespace transformer {

// Values per row of the transposed scratch the two functions below take ([d, KeysStride(n)]).
inline int KeysStride(int n) { return (n + 15) & ~15; }

// The math of AttentionHeadsForward (self_attention.h) for one head: q, k, v and context point at the head's
// first column of rows `ld` apart; masked says some keys have key_mask 0 and others 1 (otherwise every key
// counts); probs [n, n] receives P, and with keep (null: no dropout), dropped receives P * keep. kt is
// scratch of d * KeysStride(n) values.
void AttentionHeadForwardAvx512(int n, int d, long ld, const float* q, const float* k, const float* v,
                                const uint8_t* key_mask, bool masked, float scale, float* probs, const float* keep,
                                float* dropped, float* kt, float* context);

// Query rows per block of the backward pass.
constexpr int kBackwardRows = 16;
// Values of the backward pass's scratch: two blocks of rows.
inline long BackwardScratchSize(int n) { return 2L * kBackwardRows * n; }

// Its backward pass (AttentionHeadsBackward): dq, dk, dv (the head's columns, rows `ld` apart) are overwritten.
// P * keep is formed again from probs and keep, so the forward pass's dropped is not read. scratch
// (BackwardScratchSize(n) values) and vt (d * KeysStride(n)) are scratch.
void AttentionHeadBackwardAvx512(int n, int d, long ld, const float* q, const float* k, const float* v, float scale,
                                 const float* probs, const float* keep, const float* dcontext, float* scratch,
                                 float* vt, float* dq, float* dk, float* dv);

}  // namespace transformer
}  // namespace ernie_slim
