// A BERT/ERNIE sequence classifier on the CPU: embeddings, `layers` encoder layers
//   a = LayerNorm(x + SelfAttention(x)),  x' = LayerNorm(a + FeedForward(a)),
// then the pooler tanh(x[CLS] Wp + bp) and the classifier (pooled Wc + bc). Each row of a padded batch runs
// alone up to its last unmasked token, so padding costs nothing; threads share only the weights. The last
// layer runs past its keys and values for the [CLS] row alone (cls_attention.h), all the pooler reads.
#pragma once
#include <cstdint>
#include <vector>

#include "transformer/feed_forward.h"
#include "transformer/self_attention.h"
#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

// Every activation buffer of one thread, sized for the longest row of the batch.
struct TransformerScratch {
  device::Buffer x, branch;  // [n, H]
  device::Buffer pooled;     // [H]
  std::vector<uint8_t> key_mask;
  AttentionScratch attention;
  FeedForwardScratch feed_forward;
  void Reserve(int n, const TransformerConfig& config);
};

class TransformerClassifier {
 public:
  TransformerClassifier(const TransformerConfig& config, TransformerWeights weights);

  const TransformerConfig& config() const { return config_; }
  const TransformerWeights& weights() const { return weights_; }
  // For the trainer's updates in place.
  TransformerWeights* mutable_weights() { return &weights_; }

  // Logits [labels] of one sequence of n tokens; key_mask[t] = 1 where token t may be attended to.
  void ForwardRow(const int32_t* ids, const int32_t* type_ids, const uint8_t* key_mask, int n,
                  TransformerScratch* scratch, float* logits) const;

  // Logits [batch, labels] of a padded batch [batch, seq] (mask null: every token counts). Throws
  // std::invalid_argument for an id or token type outside its table, or seq beyond max_positions.
  void ForwardBatch(const int32_t* ids, const int32_t* type_ids, const int32_t* mask, int batch, int seq, int threads,
                    float* logits) const;

  // Throws std::invalid_argument for what ForwardBatch refuses.
  void CheckBatch(const int32_t* ids, const int32_t* type_ids, int batch, int seq) const;

  // Tokens a row runs: up to its last unmasked one (a row masked throughout runs whole, attending evenly).
  static int RowLength(const int32_t* row_mask, int seq);

 private:
  TransformerConfig config_;
  TransformerWeights weights_;
};

}  // namespace transformer
}  // namespace ernie_slim
