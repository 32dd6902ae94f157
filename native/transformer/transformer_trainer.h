// Fine-tuning steps of a TransformerClassifier in place: the loss and gradients of a batch (with dropout), the
// gradients scaled down to a global L2 norm of at most max_grad_norm, then AdamW (the students' update), with
// weight decay on dense weights and embedding tables but not on biases or LayerNorm (as BERT's recipe has it).
// The learning rate comes with each step, so the schedule (warmup, decay) is the caller's.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "transformer/transformer_classifier.h"
#include "transformer/transformer_training.h"

namespace ernie_slim {
namespace transformer {

struct TrainStepOptions {
  float lr = 5e-5f;
  float weight_decay = 0.01f;
  float max_grad_norm = 1.0f;  // <= 0: no clipping
  TrainingDropout dropout;
  // Empty when valid, else what is wrong.
  std::string Validate() const;
};

struct TrainStepResult {
  double loss = 0.0;
  double grad_norm = 0.0;  // before clipping
};

class TransformerTrainer {
 public:
  explicit TransformerTrainer(const TransformerConfig& config);

  // One step on a padded batch [batch, seq] (mask null: every token counts). Throws std::invalid_argument for
  // what LossAndGradients refuses and for invalid options; std::runtime_error when an update is not finite.
  TrainStepResult Step(TransformerClassifier* model, const int32_t* ids, const int32_t* type_ids, const int32_t* mask,
                       const int32_t* labels, int batch, int seq, int threads, const TrainStepOptions& options);

  int64_t steps() const { return steps_; }

  // True for the tensors AdamW decays: every ".weight" but LayerNorm's.
  static bool Decays(const std::string& name);

 private:
  TransformerWeights m_, v_, grad_;
  TrainingWorkspace workspace_;
  std::vector<std::string> names_;
  int64_t steps_ = 0;
  bool grad_zeroed_ = true;  // grad_ holds zeros (it starts so; each update clears it)
};

}  // namespace transformer
}  // namespace ernie_slim
