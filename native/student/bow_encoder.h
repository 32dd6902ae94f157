// bow: the bag of words (and hashed word bigrams), softsign, and a tanh layer (notation in encoder.h).
//   embedding [V+B, E], dense1.weight [E, H], dense1.bias [H]
//     s   = sum_t embedding[x_t] + sum_{t=1..n-1} embedding[V + ((x_{t-1} * 1000003 + x_t) mod B)]
//           (the bigram sum only when B > 0; int64 arithmetic)
//     enc = tanh(softsign(s) @ dense1.weight + dense1.bias)                       D = H
// Its one-text head is named dense2 (head.h). It has a batched path: a batch's dense layer as one matrix product.
// A compact student (config.quantized_embedding) reads `embedding` through a QuantizedTable and only predicts.
#pragma once
#include "embedding_bag.h"
#include "encoder.h"

namespace ernie_slim {
namespace student {

// Rows: 1 after Forward, count after ForwardRows.
struct BowActivations : EncoderActivations {
  std::vector<float> bag, dbag;        // [rows, E] the summed embedding rows s
  std::vector<float> soft, dsoft;      // [rows, E] softsign(s)
  std::vector<float> hidden, dhidden;  // [rows, H] the output
};

class BowEncoder : public Encoder {
 public:
  explicit BowEncoder(const Config& config);

  int width() const override { return hidden_; }
  const char* head_name() const override { return "dense2"; }
  std::vector<Parameter> NewParameters(Random* rng) const override;
  std::unique_ptr<EncoderActivations> NewActivations() const override;
  const float* Forward(const Parameter* params, TokenSpan ids, EncoderActivations* a) const override;
  float* OutputGradient(EncoderActivations* a) const override;
  void Backward(const Parameter* params, TokenSpan ids, EncoderActivations* a, EncoderGradients grads) const override;
  const float* ForwardRows(const Parameter* params, const TokenSpan* rows, int count,
                           EncoderActivations* a) const override;
  void BackwardRows(const Parameter* params, const TokenSpan* rows, int count, EncoderActivations* a,
                    EncoderGradients grads) const override;

 private:
  void Reserve(BowActivations* e, int rows) const;
  // s for one row, from the float table or the compact one.
  void Bag(const Parameter& embedding, TokenSpan t, float* out) const;

  int embed_dim_, hidden_;
  int64_t embedding_rows_;
  bool quantized_embedding_;
  EmbeddingBag bag_;  // the bag of the embedding rows
};

}  // namespace student
}  // namespace ernie_slim
