// lstm: a bidirectional LSTM over the embedded row, max-pooled over time (notation in encoder.h).
//   embedding [V, E], lstm.W [2, 4H, E], lstm.R [2, 4H, H], lstm.B [2, 8H]
//     X[t]   = embedding[x_t]
//     Y      = ONNX LSTM(X, W = lstm.W, R = lstm.R, B = lstm.B, direction = "bidirectional",
//              hidden_size = H, default activations, no peepholes, zero initial state)
//              gate order i, o, f, c; direction 0 forward, 1 reverse; Y [n, 2, 1, H]   (lstm.h)
//     enc[d*H + j] = max_t Y[t, d, 0, j]                          D = 2H  (ReduceMax over time)
// The forget gates' input biases (Wb_f of each direction) start at 1: remember by default.
#pragma once
#include "encoder.h"

namespace ernie_slim {
namespace student {

struct LstmActivations : EncoderActivations {
  std::vector<float> x, dx;            // [n, E] the embedded row X
  std::vector<float> gates;            // [2, n, 4H] each direction's activated gates i, o, f, c~
  std::vector<float> dgates;           // [n, 4H] one direction's gate gradients at a time
  std::vector<float> cells;            // [2, n, H] each direction's cell states
  std::vector<float> h, dh;            // [2, n, H] each direction's outputs Y
  std::vector<float> pooled, dpooled;  // [2H] the max over time: the output
  std::vector<int32_t> argmax;         // [2H] the time step of each max (-1 for an empty row)
  std::vector<float> scratch;          // [3H] LstmDirection::Backward's
};

class LstmEncoder : public Encoder {
 public:
  explicit LstmEncoder(const Config& config);

  int width() const override { return 2 * hidden_; }
  std::vector<Parameter> NewParameters(Random* rng) const override;
  std::unique_ptr<EncoderActivations> NewActivations() const override;
  const float* Forward(const Parameter* params, TokenSpan ids, EncoderActivations* a) const override;
  float* OutputGradient(EncoderActivations* a) const override;
  void Backward(const Parameter* params, TokenSpan ids, EncoderActivations* a, EncoderGradients grads) const override;

 private:
  void Reserve(LstmActivations* e, int n) const;

  int embed_dim_, hidden_;
  int64_t embedding_rows_;
};

}  // namespace student
}  // namespace ernie_slim
