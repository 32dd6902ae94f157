#include "transformer/transformer_trainer.h"

#include <cmath>
#include <stdexcept>

#include "student/adamw.h"

namespace ernie_slim {
namespace transformer {

std::string TrainStepOptions::Validate() const {
  if (!(lr >= 0 && std::isfinite(lr))) return "lr must be a finite number >= 0";
  if (!(weight_decay >= 0 && std::isfinite(weight_decay))) return "weightDecay must be a finite number >= 0";
  if (!std::isfinite(max_grad_norm)) return "maxGradNorm must be a finite number";
  if (!(dropout.hidden >= 0 && dropout.hidden < 1)) return "hiddenDropout must be in [0, 1)";
  if (!(dropout.attention >= 0 && dropout.attention < 1)) return "attentionDropout must be in [0, 1)";
  return "";
}

TransformerTrainer::TransformerTrainer(const TransformerConfig& config)
    : m_(config), v_(config), grad_(config), names_(grad_.TensorNames()) {
  m_.Zero();
  v_.Zero();
}

bool TransformerTrainer::Decays(const std::string& name) {
  const std::string suffix = ".weight";
  const bool weight =
      name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  return weight && name.find("LayerNorm") == std::string::npos;
}

TrainStepResult TransformerTrainer::Step(TransformerClassifier* model, const int32_t* ids, const int32_t* type_ids,
                                         const int32_t* mask, const int32_t* labels, int batch, int seq, int threads,
                                         const TrainStepOptions& options) {
  const std::string problem = options.Validate();
  if (!problem.empty()) throw std::invalid_argument(problem);
  TrainStepResult result;
  result.loss = LossAndGradients(*model, ids, type_ids, mask, labels, batch, seq, threads, &grad_, options.dropout);
  double squares = 0.0;
  for (const std::string& name : names_) {
    for (float g : grad_.Values(name)) squares += static_cast<double>(g) * g;
  }
  result.grad_norm = std::sqrt(squares);
  float scale = 1.0f;
  if (options.max_grad_norm > 0 && result.grad_norm > options.max_grad_norm) {
    scale = static_cast<float>(options.max_grad_norm / result.grad_norm);
  }
  ++steps_;
  const student::AdamWStep step(options.lr, options.weight_decay, scale, steps_);
  TransformerWeights* w = model->mutable_weights();
  bool finite = true;
  for (const std::string& name : names_) {
    std::vector<float>& values = w->Values(name);
    finite &= student::AdamWUpdate(values.data(), m_.Values(name).data(), v_.Values(name).data(),
                                   grad_.Values(name).data(), values.size(), step, Decays(name));
  }
  if (!finite) throw std::runtime_error("an update was not finite (lower the learning rate)");
  return result;
}

}  // namespace transformer
}  // namespace ernie_slim
