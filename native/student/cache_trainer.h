// Epochs over a token cache (student/corpus_cache.h) without the corpus in memory: the blocks of each kind
// in a seeded random order, a window of blocks read at a time (the next one read while this one trains), its
// rows shuffled and cut into batches that TrainEpoch runs Hogwild as it does for rows in memory.
#pragma once
#include <cstdint>
#include <vector>

#include "student/corpus_cache.h"
#include "student/trainer.h"

namespace ernie_slim {
namespace student {

// From the cache's provisional ids to the model's: word ids (a dropped word is [UNK]) and label ids.
struct CacheIdTables {
  std::vector<int32_t> words;
  std::vector<int32_t> labels;
};

// One epoch (options.seed orders it); the result is TrainEpoch's, summed over the windows.
EpochResult TrainCacheEpoch(Model* model, const CorpusCacheReader& cache, const CacheIdTables& tables,
                            const EpochOptions& options, int32_t window_blocks);

// The steps TrainCacheEpoch takes in an epoch with this seed (batches of one kind never mix, and each
// window's last batch of a kind is topped up from that window's rows).
int64_t CacheEpochSteps(const CorpusCacheReader& cache, int32_t batch_size, uint32_t seed, int32_t window_blocks);

}  // namespace student
}  // namespace ernie_slim
