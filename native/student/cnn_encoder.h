// cnn: a width-3 convolution over the embedded row, relu, summed over time, softsign (notation in encoder.h).
//   embedding [V, E], conv.weight [3, E, H], conv.bias [H]
//     X[t]   = embedding[x_t]                                   X [n, E];  X[-1] = X[n] = 0
//     C[t]   = relu(conv.bias + sum_{k=0..2} X[t-1+k] @ conv.weight[k])     C [n, H]
//     enc    = softsign(sum_t C[t])                                          D = H
//     (ONNX Conv: weight = transpose(conv.weight, [2, 1, 0]) -> [H, E, 3], pads [1, 1], input [1, E, n])
#pragma once
#include "encoder.h"

namespace ernie_slim {
namespace student {

struct CnnActivations : EncoderActivations {
  std::vector<float> x, dx;            // [n, E] the embedded row X
  std::vector<float> conv, dconv;      // [n, H] C, after relu
  std::vector<float> pooled, dpooled;  // [H] sum_t C[t]
  std::vector<float> output, doutput;  // [H] softsign(pooled)
};

class CnnEncoder : public Encoder {
 public:
  explicit CnnEncoder(const Config& config);

  int width() const override { return hidden_; }
  std::vector<Parameter> NewParameters(Random* rng) const override;
  std::unique_ptr<EncoderActivations> NewActivations() const override;
  const float* Forward(const Parameter* params, TokenSpan ids, EncoderActivations* a) const override;
  float* OutputGradient(EncoderActivations* a) const override;
  void Backward(const Parameter* params, TokenSpan ids, EncoderActivations* a, EncoderGradients grads) const override;

 private:
  void Reserve(CnnActivations* e, int n) const;

  int embed_dim_, hidden_;
  int64_t embedding_rows_;
};

}  // namespace student
}  // namespace ernie_slim
