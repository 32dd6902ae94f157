// Embedding lookups: the bag (sum of word rows and hashed word-bigram rows) for bow, and the row gather for
// the sequence models. Backward passes add into a SparseRowGradient, so only touched rows cost anything.
#pragma once
#include <cstdint>

#include "quantized_table.h"
#include "sparse_gradient.h"

namespace ernie_slim {
namespace student {

// fastText-style hashed bigram bucket, placed after the word rows (see src/student/native-api.ts).
inline int32_t BigramId(int32_t prev, int32_t cur, int64_t vocab_size, int64_t buckets) {
  return static_cast<int32_t>(vocab_size + (static_cast<int64_t>(prev) * 1000003 + cur) % buckets);
}

struct EmbeddingBag {
  int dim;
  int64_t vocab_size;
  int64_t bigram_buckets;  // 0: unigrams only

  // out = sum_t table[ids[t]] + sum_{t>=1} table[BigramId(ids[t-1], ids[t])]
  void Forward(const float* table, const int32_t* ids, int n, float* out) const;
  // The same sum over a compact table, each row decoded from its codes as it is added.
  void Forward(const QuantizedTable& table, const int32_t* ids, int n, float* out) const;
  // d table[row] += d_out for every row summed in Forward.
  void Backward(const int32_t* ids, int n, const float* d_out, SparseRowGradient* grad) const;
};

// X[t, :] = table[ids[t], :]
void EmbeddingGather(const float* table, int dim, const int32_t* ids, int n, float* x);
// d table[ids[t]] += dX[t, :]
void EmbeddingScatter(const int32_t* ids, int n, const float* dx, SparseRowGradient* grad);

}  // namespace student
}  // namespace ernie_slim
