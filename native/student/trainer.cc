#include "trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

namespace ernie_slim {

namespace {
// Runs work(0..threads-1), on the calling thread alone when there is one.
template <typename Work>
void RunOnThreads(int threads, Work& work) {
  if (threads == 1) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) pool.emplace_back(work, k);
  for (auto& t : pool) t.join();
}
}  // namespace
namespace student {

Target TrainingData::TargetOf(int32_t row, int labels_count) const {
  Target t{labels[row], nullptr};
  if (teacher) {
    const float* logits = teacher + static_cast<int64_t>(row) * labels_count;
    if (!std::isnan(logits[0])) t.teacher = logits;
  }
  return t;
}

std::string EpochOptions::Validate() const {
  if (batch_size < 1 || batch_size > (1 << 24)) return "batchSize must be in 1..16777216";
  if (!(lr >= 0)) return "lr must be >= 0";
  if (step_offset < 0) return "stepOffset must be >= 0";
  if (total_steps < 0) return "totalSteps must be >= 0";
  if (warmup_steps < 0) return "warmupSteps must be >= 0";
  if (!(weight_decay >= 0)) return "weightDecay must be >= 0";
  if (!(clip_norm >= 0)) return "clipNorm must be >= 0";
  if (threads < 1) return "threads must be >= 1";
  if (!(word_dropout >= 0 && word_dropout < 1)) return "wordDropout must be in [0, 1)";
  if (!(feature_dropout >= 0 && feature_dropout < 1)) return "featureDropout must be in [0, 1)";
  return loss.Validate();
}

float ScheduleFactor(int64_t step, int64_t warmup_steps, int64_t total_steps) {
  if (warmup_steps > 0 && step < warmup_steps) return static_cast<float>(step + 1) / static_cast<float>(warmup_steps);
  if (total_steps > warmup_steps) {
    double f = static_cast<double>(total_steps - step) / static_cast<double>(total_steps - warmup_steps);
    return static_cast<float>(std::max(0.0, std::min(1.0, f)));
  }
  return 1.0f;
}

double BatchLossAndGradients(const Model& model, const TrainingData& data, const int32_t* rows, int count,
                             const LossOptions& options, State* state, float word_dropout, Random* rng,
                             float feature_dropout) {
  const int L = model.config().num_labels;
  int with_target = 0;
  for (int i = 0; i < count; ++i) with_target += !data.TargetOf(rows[i], L).empty();
  state->ZeroGradients();
  if (with_target == 0) return 0.0;
  const float weight = 1.0f / static_cast<float>(with_target);
  std::vector<RowRef>& batch = state->batch_rows;
  batch.clear();
  const bool dropout = word_dropout > 0.0f && rng != nullptr;
  std::vector<int32_t>& kept = state->kept_ids;
  if (dropout) {
    size_t tokens = 0;
    for (int i = 0; i < count; ++i) tokens += data.rows.Tokens(rows[i]);
    kept.clear();
    kept.reserve(tokens);  // no reallocation below: the batch points into it
  }
  const uint32_t keep_below = static_cast<uint32_t>(
      (1.0 - word_dropout) * 4294967296.0 > 4294967295.0 ? 4294967295.0 : (1.0 - word_dropout) * 4294967296.0);
  auto keep = [&](TokenSpan t) {
    if (!dropout || t.ids == nullptr) return t;
    const size_t start = kept.size();
    for (int k = 0; k < t.n; ++k) {
      if (static_cast<uint32_t>(rng->Next() >> 32) < keep_below) kept.push_back(t.ids[k]);
    }
    return TokenSpan{kept.data() + start, static_cast<int>(kept.size() - start)};
  };
  for (int i = 0; i < count; ++i) {
    int32_t r = rows[i];
    Target target = data.TargetOf(r, L);
    if (target.empty()) continue;
    const TokenSpan a = keep(data.rows.A(r));
    const TokenSpan b = keep(data.rows.B(r));
    batch.push_back({a, b, target});
  }
  state->feature_dropout = rng != nullptr ? feature_dropout : 0.0f;
  state->dropout_rng = rng;
  double loss = model.ForwardBackwardBatch(batch.data(), static_cast<int>(batch.size()), options, weight, state);
  state->feature_dropout = 0.0f;
  state->dropout_rng = nullptr;
  return loss / with_target;
}

EpochResult TrainEpoch(Model* model, const TrainingData& data, const std::vector<int32_t>& order,
                       const EpochOptions& options) {
  auto start = std::chrono::steady_clock::now();
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t bs = std::max(1, options.batch_size);
  const int64_t batches = (n + bs - 1) / bs;
  const int threads =
      static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(options.threads, std::max<int64_t>(batches, 1))));
  const int L = model->config().num_labels;

  std::atomic<int64_t> next_step{options.step_offset};
  std::atomic<bool> stop{false};
  struct Totals {
    double loss = 0.0;
    int64_t rows = 0, tokens = 0, steps = 0;
    bool finite = true;
  };
  std::vector<Totals> totals(threads);

  auto work = [&](int k) {
    State state(*model, true);
    Totals& tot = totals[k];
    for (int64_t b = k; b < batches && !stop.load(std::memory_order_relaxed); b += threads) {
      const int32_t* rows = order.data() + b * bs;
      const int count = static_cast<int>(std::min(bs, n - b * bs));
      // Each batch draws from its own stream: the same seed gives the same dropout whatever the threads.
      Random rng(static_cast<uint64_t>(options.seed) * 0x100000001B3ULL +
                 static_cast<uint64_t>(options.step_offset + b));
      double loss = BatchLossAndGradients(*model, data, rows, count, options.loss, &state, options.word_dropout, &rng,
                                          options.feature_dropout);
      double norm2 = state.GradientSquaredNorm();
      if (!std::isfinite(loss) || !std::isfinite(norm2)) {
        tot.finite = false;
        stop = true;
        break;
      }
      int with_target = 0;
      int64_t tokens = 0;
      for (int i = 0; i < count; ++i) {
        with_target += !data.TargetOf(rows[i], L).empty();
        tokens += data.rows.Tokens(rows[i]);
      }
      tot.tokens += tokens;
      if (with_target == 0) continue;
      const int64_t step = next_step.fetch_add(1, std::memory_order_relaxed);
      const float lr = options.lr * ScheduleFactor(step, options.warmup_steps, options.total_steps);
      const double norm = std::sqrt(norm2);
      const float scale =
          options.clip_norm > 0.0f && norm > options.clip_norm ? static_cast<float>(options.clip_norm / norm) : 1.0f;
      if (!model->ApplyAdamW(state, step + 1, lr, options.weight_decay, scale)) {
        tot.finite = false;
        stop = true;
        break;
      }
      tot.loss += loss * with_target;
      tot.rows += with_target;
      tot.steps += 1;
    }
  };

  RunOnThreads(threads, work);

  EpochResult result;
  int64_t rows = 0;
  for (const Totals& t : totals) {
    result.loss += t.loss;
    rows += t.rows;
    result.tokens += t.tokens;
    result.steps += t.steps;
    result.finite = result.finite && t.finite;
  }
  result.loss = rows > 0 ? result.loss / rows : 0.0;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void PredictRows(const Model& model, const TokenRows& rows, int threads, float* out) {
  const int L = model.config().num_labels;
  threads = std::max(1, std::min<int>(threads, std::max<int32_t>(1, rows.count / 64)));
  auto work = [&](int k) {
    State state(model, false);
    const int32_t begin = static_cast<int32_t>(static_cast<int64_t>(rows.count) * k / threads);
    const int32_t end = static_cast<int32_t>(static_cast<int64_t>(rows.count) * (k + 1) / threads);
    for (int32_t r = begin; r < end; ++r) {
      const float* logits = model.Forward(rows.A(r), rows.B(r), &state);
      std::copy(logits, logits + L, out + static_cast<int64_t>(r) * L);
    }
  };
  RunOnThreads(threads, work);
}

}  // namespace student
}  // namespace ernie_slim
