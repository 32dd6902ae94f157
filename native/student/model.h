// A student: an encoder (one token row -> a vector of width D; encoder.h, and the math of each kind in
// bow_encoder.h, cnn_encoder.h, lstm_encoder.h) and a head on it (logits; head.h, with the two-tower pair math).
// A pair model (config.pair) runs the same encoder on text_a and text_b and its match head on both outputs.
//
// Parameters, in this order (the model file, the ONNX export and the TypeScript side read them by name and
// order): the encoder's (embedding first), then the head's. Weight decay applies to dense*.weight, conv.weight,
// lstm.W, lstm.R, match.weight and classifier.weight; never to biases or embeddings.
//
// Feature dropout (training only): each unit of an encoder's output is zeroed with probability p and the rest
// scaled by 1/(1-p) before the head.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "encoder.h"
#include "head.h"
#include "loss.h"
#include "parameter.h"
#include "sparse_gradient.h"
#include "util/random.h"

namespace ernie_slim {
namespace student {

class Model;

// One row of a batch: its text (and text_b for a pair model; b.ids is null otherwise) and its target.
struct RowRef {
  TokenSpan a, b;
  Target target;
};

// Everything one thread needs to run the model: activations of the current row and the gradients of the
// current batch. Threads share only the Model's weights.
class State {
 public:
  State(const Model& model, bool training);

  void ZeroGradients();
  double GradientSquaredNorm() const;

  std::vector<std::vector<float>> grads;  // per parameter; empty for the embedding
  SparseRowGradient embedding_grad;

  std::vector<RowRef> batch_rows;
  std::vector<int32_t> kept_ids;  // the batch's tokens left after word dropout

  // Feature dropout (training): each unit of the encoder output is zeroed with this probability and the rest
  // scaled by 1/(1-p), the masks drawn from *dropout_rng; 0 or no rng: none (prediction never drops).
  float feature_dropout = 0.0f;
  Random* dropout_rng = nullptr;

 private:
  friend class Model;

  std::unique_ptr<EncoderActivations> towers_[2];  // text_a (the only one of a one-text model), text_b
  HeadActivations head_;
  std::vector<float> logits_, dlogits_;  // [rows, L]: one row, or a batch on the encoder's batched path
  std::vector<float> loss_scratch_;
  // Feature dropout per tower: {0, 1/(1-p)} per output unit, and the output times it [rows, D]
  std::vector<float> mask_[2], dropped_[2];
  std::vector<TokenSpan> batch_spans_;  // the batched path's text_a rows
};

class Model {
 public:
  explicit Model(const Config& config);

  const Config& config() const { return config_; }
  const Encoder& encoder() const { return *encoder_; }
  const Head& head() const { return head_; }
  std::vector<Parameter>& parameters() { return params_; }
  const std::vector<Parameter>& parameters() const { return params_; }
  int FindParameter(const std::string& name) const;

  // Logits of one row (pointer into state); `b` is text_b for a pair model, ignored otherwise.
  const float* Forward(TokenSpan a, TokenSpan b, State* state) const;
  // Forward, loss, and backward of one row: adds weight * dLoss into state's gradients; returns the loss.
  float ForwardBackward(const RowRef& row, const LossOptions& options, float weight, State* state) const;

  // ForwardBackward over a batch (an encoder with a batched path runs a one-text batch's dense layers as matrix
  // products); returns the summed loss.
  double ForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                              State* state) const;

  // One AdamW step from state's gradients (embedding rows lazily). False when a new weight would not be finite
  // (that weight is left unchanged).
  bool ApplyAdamW(const State& state, int64_t step, float lr, float weight_decay, float grad_scale);

  // Keeps only the embedding rows `kept` (ids below the row count): every other row is zeroed and stays zero
  // through training (its gradient is dropped), as a compact student reads a row it did not keep. For
  // retraining a pruned student; States made before this call do not see it.
  void PruneEmbedding(const std::vector<int32_t>& kept);
  // Keeps every embedding row as it is and drops its gradient, so that training moves only the layers above it:
  // refitting them on a compact student's decoded table. Undone by PruneEmbedding.
  void FreezeEmbedding();
  // Zeroes the pruned rows again (after new weights were copied in); nothing when the embedding is not pruned
  // (or only frozen).
  void ZeroPrunedRows();
  // 1 per embedding row whose gradient is dropped (pruned or frozen), or null when none is.
  const uint8_t* pruned_rows() const { return pruned_.empty() ? nullptr : pruned_.data(); }

 private:
  // One row through encoder, head, loss and back.
  float RowForwardBackward(const RowRef& row, const LossOptions& options, float weight, State* s) const;
  // A one-text batch on the encoder's batched path; false (nothing done) when the encoder has none.
  bool BatchedForwardBackward(const RowRef* rows, int count, const LossOptions& options, float weight, State* s,
                              double* loss) const;
  // Feature dropout on `rows` outputs [rows, D] of `tower` (when s asks for it): out times a fresh mask, else out.
  const float* DropFeatures(const float* out, int rows, int tower, State* s) const;
  // d(outputs) times the mask DropFeatures drew (when it drew one).
  void MaskOutputGradient(float* dout, int rows, int tower, State* s) const;
  EncoderGradients GradientsOf(State* s) const { return {s->grads.data(), &s->embedding_grad}; }

  Config config_;
  std::unique_ptr<Encoder> encoder_;
  Head head_;
  std::vector<Parameter> params_;
  int head_first_ = 0;             // index of the head's first parameter
  std::vector<uint8_t> pruned_;    // per embedding row, 1 = pruned (or frozen); empty: none
  bool embedding_frozen_ = false;  // pruned_ marks rows frozen at their values, not zeroed
};

}  // namespace student
}  // namespace ernie_slim
