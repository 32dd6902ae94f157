#include "student/text_prediction.h"

#include <algorithm>
#include <memory>

#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace student {

bool IdsFitModel(const std::vector<int32_t>& ids, const Config& config) {
  if (config.pair) return false;  // a two-tower model takes text_b's ids apart: the TypeScript path encodes pairs
  for (int32_t id : ids) {
    if (id < 1 || id >= config.vocab_size) return false;
  }
  return true;
}

void PredictTexts(const Model& model, const TextEncoder& encoder, const TextBatch& batch, int threads, float* logits,
                  uint8_t* needs_reference) {
  const int L = model.config().num_labels;
  struct ThreadState {
    TextEncoderScratch text;
    std::unique_ptr<State> model;
  };
  constexpr size_t kChunk = 64;
  ParallelChunks(
      batch.rows.size(), kChunk, threads,
      [&model] {
        ThreadState state;
        state.model = std::make_unique<State>(model, false);
        return state;
      },
      [&](ThreadState& state, size_t begin, size_t end) {
        std::vector<int32_t>& ids = state.text.ids;
        for (size_t r = begin; r < end; ++r) {
          float* out = logits + r * L;
          if (!encoder.Encode(batch, r, &state.text, &ids) || !IdsFitModel(ids, model.config())) {
            needs_reference[r] = 1;
            std::fill(out, out + L, 0.0f);
            continue;
          }
          const float* row = model.Forward({ids.data(), static_cast<int>(ids.size())}, {}, state.model.get());
          std::copy(row, row + L, out);
          needs_reference[r] = 0;
        }
      });
}

}  // namespace student
}  // namespace ernie_slim
