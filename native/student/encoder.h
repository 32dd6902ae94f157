// A student's encoder: one token row (word ids) -> one vector of width D, which a head (head.h) turns into
// logits. Not to be confused with TextEncoder (text -> word ids, text_encoder.h).
//
// Notation (the encoders' headers and head.h): ids = x_0..x_{n-1} (word ids, 1 <= x_t < V), E = embDim,
// H = hidden, L = numLabels, V = vocabSize, B = bigramBuckets, row-major tensors, `@` = MatMul with W laid out
// [in, out]. softsign(u) = u / (1 + |u|). Row 0 ([PAD]) of `embedding` is never read nor updated.
// An empty row (n = 0) gives a zero pooled vector.
//
// Each encoder owns its parameters: `embedding` first (uniform(-0.1, 0.1), [PAD] row 0; sparse, no decay), then
// its own weights, in the ONNX layouts its header documents (weight decay on weight matrices, never on biases),
// with their initialisation; its activations (its own struct, one per tower in each thread's State); and its
// forward and backward passes. The model (model.h) runs a head after it; CreateEncoder picks the kind.
// tanh and sigmoid are computed with a vectorized exp (|error| < 1e-7, activations.h); standard ONNX Tanh /
// Sigmoid / LSTM reproduce the logits far within 1e-4.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "parameter.h"
#include "sparse_gradient.h"
#include "util/random.h"

namespace ernie_slim {
namespace student {

// The word ids of one text.
struct TokenSpan {
  const int32_t* ids = nullptr;
  int n = 0;
};

// One encoder pass's activations and their gradients: each encoder defines its own, grown to the longest row
// (or batch) seen, so a thread allocates nothing once warm.
struct EncoderActivations {
  virtual ~EncoderActivations() = default;
};

// Where a backward pass adds the encoder's gradients: one dense buffer per parameter, indexed as the encoder's
// parameters (the embedding's is empty), and the embedding's touched rows.
struct EncoderGradients {
  std::vector<float>* dense;
  SparseRowGradient* embedding;
};

class Encoder {
 public:
  virtual ~Encoder() = default;

  // D, the width of the output vector.
  virtual int width() const = 0;
  // The one-text head's parameter prefix (bow names its own dense layer dense1, so its head is dense2).
  virtual const char* head_name() const { return "dense"; }

  // The encoder's parameters, embedding first, with starting values drawn from rng in this order.
  virtual std::vector<Parameter> NewParameters(Random* rng) const = 0;
  virtual std::unique_ptr<EncoderActivations> NewActivations() const = 0;

  // The output [D] for ids (a pointer into a). `params` are the encoder's, in NewParameters' order.
  virtual const float* Forward(const Parameter* params, TokenSpan ids, EncoderActivations* a) const = 0;
  // Where the caller puts d(output) before Backward: [D], or [count, D] after ForwardRows.
  virtual float* OutputGradient(EncoderActivations* a) const = 0;
  // Given d(output), adds the weight gradients of the last Forward of ids and scatters the embedding's.
  virtual void Backward(const Parameter* params, TokenSpan ids, EncoderActivations* a,
                        EncoderGradients grads) const = 0;

  // Optional batched path: the outputs of `count` rows as one [count, D] matrix, so that the model can run the
  // head as matrix products too. Null (the default) when the encoder has none: the model then goes row by row.
  virtual const float* ForwardRows(const Parameter* params, const TokenSpan* rows, int count,
                                   EncoderActivations* a) const {
    return nullptr;
  }
  // Backward of the last ForwardRows, given d(outputs) [count, D] in OutputGradient.
  virtual void BackwardRows(const Parameter* params, const TokenSpan* rows, int count, EncoderActivations* a,
                            EncoderGradients grads) const {}
};

// The encoder of config.kind: the one place that chooses.
std::unique_ptr<Encoder> CreateEncoder(const Config& config);

const char* KindName(Kind kind);
bool ParseKind(const std::string& name, Kind* kind);

// The word embedding every encoder starts with: [rows, dim], uniform(-0.1, 0.1) from rng, row 0 ([PAD]) zero.
Parameter NewEmbedding(int64_t rows, int dim, Random* rng);

// Grows v to at least n elements (activations keep their largest size).
template <typename T>
void Grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace student
}  // namespace ernie_slim
