// Training and batch inference over many rows: epochs of mini-batch AdamW with the warm-up/decay schedule and
// global-norm clipping, Hogwild over threads (each thread owns a State; threads share only the weights),
// and multi-threaded prediction.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model.h"
#include "util/random.h"

namespace ernie_slim {
namespace student {

// Rows in CSR form: row r is ids[offsets[r] .. offsets[r+1]); for a pair model, its text_b is
// ids_b[offsets_b[r] .. offsets_b[r+1]) (both null for one-text rows).
struct TokenRows {
  const int32_t* ids;
  const int32_t* offsets;
  int32_t count;
  const int32_t* ids_b = nullptr;
  const int32_t* offsets_b = nullptr;

  TokenSpan A(int32_t r) const { return {ids + offsets[r], offsets[r + 1] - offsets[r]}; }
  TokenSpan B(int32_t r) const {
    return ids_b ? TokenSpan{ids_b + offsets_b[r], offsets_b[r + 1] - offsets_b[r]} : TokenSpan{};
  }
  int64_t Tokens(int32_t r) const { return A(r).n + B(r).n; }
};

struct TrainingData {
  TokenRows rows;
  const int32_t* labels;  // -1: soft target only
  const float* teacher;   // rows x L, a NaN row means none; may be null
  Target TargetOf(int32_t row, int labels_count) const;
};

struct EpochOptions {
  int32_t batch_size = 32;
  float lr = 1e-3f;
  int64_t step_offset = 0;
  int64_t total_steps = 1;
  int64_t warmup_steps = 0;
  float weight_decay = 0.0f;
  float clip_norm = 0.0f;
  LossOptions loss;
  int threads = 1;
  uint32_t seed = 1;
  // Word dropout (Iyyer et al. 2015): each token of a training row is left out with this probability.
  float word_dropout = 0.0f;
  // Feature dropout (Srivastava et al. 2014): each unit of the encoder output, before the head, is zeroed with
  // this probability (the rest scaled by 1/(1-p)).
  float feature_dropout = 0.0f;

  // Empty when the options are usable, else what is wrong with them (named as JavaScript names them); an
  // upper bound on threads is the caller's to set.
  std::string Validate() const;
};

struct EpochResult {
  double loss = 0.0;  // mean loss per row over the applied steps
  int64_t tokens = 0;
  int64_t steps = 0;
  double seconds = 0.0;
  bool finite = true;
};

// lr multiplier at a global step: linear warm-up to 1, then linear decay to 0 at total_steps.
float ScheduleFactor(int64_t step, int64_t warmup_steps, int64_t total_steps);

EpochResult TrainEpoch(Model* model, const TrainingData& data, const std::vector<int32_t>& order,
                       const EpochOptions& options);

// Mean loss over `rows` and its gradients, left in state (no clipping, no update). With word_dropout or
// feature_dropout > 0, rng decides which tokens and which encoder units are left out (words first, then each
// row's masks in order).
double BatchLossAndGradients(const Model& model, const TrainingData& data, const int32_t* rows, int count,
                             const LossOptions& options, State* state, float word_dropout = 0.0f, Random* rng = nullptr,
                             float feature_dropout = 0.0f);

// out [count, L]
void PredictRows(const Model& model, const TokenRows& rows, int threads, float* out);

}  // namespace student
}  // namespace ernie_slim
