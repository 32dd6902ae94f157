#include "student/cache_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <stdexcept>

#include "util/random.h"

namespace ernie_slim {
namespace student {

namespace {

template <typename T>
void Shuffle(std::vector<T>* v, Random* rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[rng->Below(static_cast<uint32_t>(i))]);
}

// Items of two kinds in one sequence, spread evenly: the kind further behind its share goes next.
template <typename T>
std::vector<T> Interleave(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  out.reserve(a.size() + b.size());
  size_t ia = 0, ib = 0;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  while (ia < a.size() || ib < b.size()) {
    const bool take_a = ib >= b.size() || (ia < a.size() && (ia + 0.5) / na <= (ib + 0.5) / nb);
    out.push_back(take_a ? a[ia++] : b[ib++]);
  }
  return out;
}

// The epoch's windows: lists of block indices.
std::vector<std::vector<size_t>> PlanWindows(const CorpusCacheReader& cache, uint32_t seed, int32_t window_blocks) {
  Random rng(static_cast<uint64_t>(seed) * 0x2545F4914F6CDD1DULL + 0x5851F42D4C957F2DULL);
  std::vector<size_t> kinds[2];
  const auto& blocks = cache.blocks();
  for (size_t i = 0; i < blocks.size(); ++i) kinds[blocks[i].kind == 0 ? 0 : 1].push_back(i);
  Shuffle(&kinds[0], &rng);
  Shuffle(&kinds[1], &rng);
  const std::vector<size_t> sequence = Interleave(kinds[0], kinds[1]);
  const size_t per = static_cast<size_t>(std::max(1, window_blocks));
  std::vector<std::vector<size_t>> windows;
  for (size_t i = 0; i < sequence.size(); i += per) {
    windows.emplace_back(sequence.begin() + i, sequence.begin() + std::min(sequence.size(), i + per));
  }
  return windows;
}

// A window's rows in memory, with final ids, as TrainEpoch takes them. Two windows are reused epoch after
// epoch (one trains while the other is read): their buffers keep their capacity, so memory stays flat.
struct Window {
  std::vector<int32_t> ids_a, offsets_a, ids_b, offsets_b, labels;
  std::vector<float> teacher;
  bool towers = false, has_teacher = false;
  std::vector<int32_t> rows_of_kind[2];
  CacheBlock block;  // the block being read

  TrainingData view() const {
    TokenRows rows{ids_a.data(), offsets_a.data(), static_cast<int32_t>(labels.size())};
    if (towers) {
      rows.ids_b = ids_b.data();
      rows.offsets_b = offsets_b.data();
    }
    return {rows, labels.data(), has_teacher ? teacher.data() : nullptr};
  }
};

// Appends a row's words with final ids (a row without words is one [UNK], as the encoder makes it).
void AppendIds(const int32_t* provisional, int32_t n, const std::vector<int32_t>& table, std::vector<int32_t>* ids,
               std::vector<int32_t>* offsets) {
  if (n == 0) ids->push_back(1);
  for (int32_t k = 0; k < n; ++k) {
    const int32_t p = provisional[k];
    if (p < 0 || static_cast<size_t>(p) >= table.size()) {
      throw std::runtime_error("the token cache has a word id beyond its word table");
    }
    ids->push_back(table[p]);
  }
  offsets->push_back(static_cast<int32_t>(ids->size()));
}

void LoadWindow(const CorpusCacheReader& cache, const CacheIdTables& tables, const std::vector<size_t>& blocks,
                int num_labels, Window* w) {
  for (auto* v : {&w->ids_a, &w->offsets_a, &w->ids_b, &w->offsets_b, &w->labels}) v->clear();
  w->teacher.clear();
  w->rows_of_kind[0].clear();
  w->rows_of_kind[1].clear();
  w->offsets_a.push_back(0);
  w->offsets_b.push_back(0);
  w->towers = cache.towers();
  w->has_teacher = false;
  for (size_t b : blocks) w->has_teacher = w->has_teacher || cache.blocks()[b].num_labels > 0;
  CacheBlock& block = w->block;
  for (size_t b : blocks) {
    cache.Read(b, &block);
    if (block.num_labels != 0 && static_cast<int>(block.num_labels) != num_labels) {
      throw std::runtime_error("the token cache's logits do not match the model's labels");
    }
    size_t at_a = 0, at_b = 0;
    for (size_t r = 0; r < block.rows(); ++r) {
      w->rows_of_kind[block.kind == 0 ? 0 : 1].push_back(static_cast<int32_t>(w->labels.size()));
      const int32_t label = block.labels[r];
      if (label >= static_cast<int32_t>(tables.labels.size())) {
        throw std::runtime_error("the token cache has a label id beyond its label table");
      }
      w->labels.push_back(label < 0 ? -1 : tables.labels[label]);
      AppendIds(block.ids_a.data() + at_a, block.lengths_a[r], tables.words, &w->ids_a, &w->offsets_a);
      at_a += block.lengths_a[r];
      if (w->towers) {
        AppendIds(block.ids_b.data() + at_b, block.lengths_b[r], tables.words, &w->ids_b, &w->offsets_b);
        at_b += block.lengths_b[r];
      }
      if (!w->has_teacher) continue;
      if (block.num_labels > 0) {
        const float* logits = block.logits.data() + r * num_labels;
        w->teacher.insert(w->teacher.end(), logits, logits + num_labels);
      } else {
        w->teacher.insert(w->teacher.end(), num_labels, std::nanf(""));
      }
    }
  }
}

// Batches of one kind: its rows shuffled, cut into batches of exactly batch_size (the last topped up from the start).
std::vector<std::vector<int32_t>> FullBatches(std::vector<int32_t> rows, int32_t batch_size, Random* rng) {
  std::vector<std::vector<int32_t>> batches;
  if (rows.empty()) return batches;
  Shuffle(&rows, rng);
  for (size_t start = 0; start < rows.size(); start += batch_size) {
    std::vector<int32_t> batch(batch_size);
    for (int32_t i = 0; i < batch_size; ++i) batch[i] = rows[(start + i) % rows.size()];
    batches.push_back(std::move(batch));
  }
  return batches;
}

int64_t Batches(uint64_t rows, int32_t batch_size) {
  return static_cast<int64_t>((rows + batch_size - 1) / batch_size);
}

}  // namespace

int64_t CacheEpochSteps(const CorpusCacheReader& cache, int32_t batch_size, uint32_t seed, int32_t window_blocks) {
  int64_t steps = 0;
  for (const auto& window : PlanWindows(cache, seed, window_blocks)) {
    uint64_t rows[2] = {0, 0};
    for (size_t b : window) rows[cache.blocks()[b].kind == 0 ? 0 : 1] += cache.blocks()[b].rows;
    steps += Batches(rows[0], batch_size) + Batches(rows[1], batch_size);
  }
  return steps;
}

EpochResult TrainCacheEpoch(Model* model, const CorpusCacheReader& cache, const CacheIdTables& tables,
                            const EpochOptions& options, int32_t window_blocks) {
  const auto start = std::chrono::steady_clock::now();
  const auto plan = PlanWindows(cache, options.seed, window_blocks);
  const int num_labels = model->config().num_labels;
  EpochResult total;
  if (plan.empty()) return total;
  Window windows[2];
  auto load = [&](size_t w) { LoadWindow(cache, tables, plan[w], num_labels, &windows[w % 2]); };
  std::future<void> next = std::async(std::launch::async, load, 0);
  int64_t step = options.step_offset;
  double loss_rows = 0.0;
  for (size_t w = 0; w < plan.size(); ++w) {
    next.get();
    const Window& window = windows[w % 2];
    if (w + 1 < plan.size()) next = std::async(std::launch::async, load, w + 1);
    Random rng(static_cast<uint64_t>(options.seed) * 0x9E3779B97F4A7C15ULL + w + 1);
    auto a = FullBatches(window.rows_of_kind[0], options.batch_size, &rng);
    auto b = FullBatches(window.rows_of_kind[1], options.batch_size, &rng);
    std::vector<int32_t> order;
    for (const auto& batch : Interleave(a, b)) order.insert(order.end(), batch.begin(), batch.end());
    EpochOptions window_options = options;
    window_options.step_offset = step;
    const EpochResult r = TrainEpoch(model, window.view(), order, window_options);
    step += static_cast<int64_t>(a.size() + b.size());
    loss_rows += r.loss * static_cast<double>(r.steps);
    total.tokens += r.tokens;
    total.steps += r.steps;
    if (!r.finite) {
      total.finite = false;
      break;
    }
  }
  if (next.valid()) next.wait();
  total.loss = total.steps > 0 ? loss_rows / static_cast<double>(total.steps) : 0.0;
  total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total;
}

}  // namespace student
}  // namespace ernie_slim
