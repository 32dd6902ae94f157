// The bow student's embedding bag on the device (student/embedding_bag.h's math): word dropout, the bag of
// word and hashed-bigram rows with softsign, and the backward pass into the rows a batch touched.
//
// A batch is `count` rows; row i's tokens are tokens[start[i] .. start[i] + length[i]).
// Backward adds into a dense gradient table with atomics and lists each touched row once (touched_flag,
// touched_rows, touched_count), so the optimizer and the norm visit only those rows.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace ernie_slim {
namespace cuda {

struct BagShape {
  int dim;                 // E
  int64_t vocab_size;      // V
  int64_t bigram_buckets;  // B, 0 = unigrams only
};

// kept[start[i] ..] = the tokens of row i kept with probability keep (a counter-based hash of seed and the
// token's position decides), kept_length[i] = how many.
void WordDropout(const int32_t* tokens, const int32_t* start, const int32_t* length, int count, uint64_t seed,
                 uint32_t keep_below, int32_t* kept, int32_t* kept_length, cudaStream_t stream);

// bag[i, :] = sum of the row's word and bigram rows; soft = softsign(bag).
void BagForward(const float* table, BagShape shape, const int32_t* tokens, const int32_t* start, const int32_t* length,
                int count, float* bag, float* soft, cudaStream_t stream);

// d_soft (in place) becomes d_bag = d_soft / (1 + |bag|)^2.
void SoftsignBackward(const float* bag, float* d, long n, cudaStream_t stream);

// grad[row] += d_bag[i] for every word and bigram row of batch row i that has a target.
void BagBackward(const float* d_bag, BagShape shape, const int32_t* tokens, const int32_t* start, const int32_t* length,
                 const uint8_t* has_target, int count, float* grad, int32_t* touched_flag, int32_t* touched_rows,
                 int32_t* touched_count, cudaStream_t stream);

}  // namespace cuda
}  // namespace ernie_slim
