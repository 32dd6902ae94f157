#include "transformer/transformer_trainer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>

#include "student/adamw.h"
#include "util/parallel_chunks.h"

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
  grad_.Zero();  // made as weights, its LayerNorm gammas are 1
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
  // The update pass leaves grad_ zero for the next step, unless a step stopped before it.
  const bool zeroed = grad_zeroed_;
  grad_zeroed_ = false;
  result.loss = LossAndGradients(*model, ids, type_ids, mask, labels, batch, seq, threads, &grad_, options.dropout,
                                 &workspace_, zeroed);
  // The norm and the update in slices of every tensor, shared by the threads (the word-embedding table is
  // most of it); the slices' sums of squares add up in a fixed order.
  TransformerWeights* w = model->mutable_weights();
  struct Slice {
    float *w, *m, *v, *g;
    size_t count;
    bool decay;
  };
  constexpr size_t kSlice = 1 << 16;
  std::vector<Slice> slices;
  for (const std::string& name : names_) {
    device::Buffer& values = w->Values(name);
    const bool decay = Decays(name);
    for (size_t at = 0; at < values.size(); at += kSlice) {
      slices.push_back({values.data() + at, m_.Values(name).data() + at, v_.Values(name).data() + at,
                        grad_.Values(name).data() + at, std::min(kSlice, values.size() - at), decay});
    }
  }
  std::vector<double> squares(slices.size());
  ParallelChunks(
      slices.size(), 1, threads, [] { return 0; },
      [&](int, size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
          double sum[4] = {0, 0, 0, 0};
          const float* g = slices[i].g;
          const size_t count = slices[i].count;
          size_t j = 0;
          for (; j + 4 <= count; j += 4) {
            for (int q = 0; q < 4; ++q) sum[q] += static_cast<double>(g[j + q]) * g[j + q];
          }
          for (; j < count; ++j) sum[0] += static_cast<double>(g[j]) * g[j];
          squares[i] = (sum[0] + sum[1]) + (sum[2] + sum[3]);
        }
      });
  double total = 0.0;
  for (double s : squares) total += s;
  result.grad_norm = std::sqrt(total);
  float scale = 1.0f;
  if (options.max_grad_norm > 0 && result.grad_norm > options.max_grad_norm) {
    scale = static_cast<float>(options.max_grad_norm / result.grad_norm);
  }
  ++steps_;
  const student::AdamWStep step(options.lr, options.weight_decay, scale, steps_);
  std::atomic<bool> finite{true};
  ParallelChunks(
      slices.size(), 1, threads, [] { return 0; },
      [&](int, size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
          const Slice& s = slices[i];
          if (!student::AdamWUpdate(s.w, s.m, s.v, s.g, s.count, step, s.decay)) finite = false;
          std::fill(s.g, s.g + s.count, 0.0f);  // while it is in cache: the next step's gradients start at zero
        }
      });
  grad_zeroed_ = true;
  if (!finite) throw std::runtime_error("an update was not finite (lower the learning rate)");
  return result;
}

}  // namespace transformer
}  // namespace ernie_slim
