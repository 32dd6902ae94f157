#include "embedding_bag.h"

#include "vector_ops.h"

namespace ernie_slim {
namespace student {

void EmbeddingBag::Forward(const float* table, const int32_t* ids, int n, float* out) const {
  constexpr int kAhead = 4;
  Zero(out, dim);
  for (int t = 0; t < n; ++t) {
    if (t + kAhead < n) Prefetch(table + static_cast<int64_t>(ids[t + kAhead]) * dim, dim);
    AddTo(table + static_cast<int64_t>(ids[t]) * dim, out, dim);
  }
  if (bigram_buckets > 0) {
    for (int t = 1; t < n; ++t) {
      if (t + kAhead < n) {
        Prefetch(table + BigramId(ids[t + kAhead - 1], ids[t + kAhead], vocab_size, bigram_buckets) * dim, dim);
      }
      int64_t row = BigramId(ids[t - 1], ids[t], vocab_size, bigram_buckets);
      AddTo(table + row * dim, out, dim);
    }
  }
}

void EmbeddingBag::Forward(const QuantizedTable& table, const int32_t* ids, int n, float* out) const {
  Zero(out, dim);
  table.AddRows(ids, n, out);
  if (bigram_buckets > 0) {
    // The bigram rows in chunks (ids on the stack), in the same order as the float bag adds them.
    constexpr int kChunk = 256;
    int32_t rows[kChunk];
    for (int t0 = 1; t0 < n; t0 += kChunk) {
      const int count = n - t0 < kChunk ? n - t0 : kChunk;
      for (int j = 0; j < count; ++j) rows[j] = BigramId(ids[t0 + j - 1], ids[t0 + j], vocab_size, bigram_buckets);
      table.AddRows(rows, count, out);
    }
  }
}

void EmbeddingBag::Backward(const int32_t* ids, int n, const float* d_out, SparseRowGradient* grad) const {
  for (int t = 0; t < n; ++t) AddTo(d_out, grad->Row(ids[t]), dim);
  if (bigram_buckets > 0) {
    for (int t = 1; t < n; ++t) AddTo(d_out, grad->Row(BigramId(ids[t - 1], ids[t], vocab_size, bigram_buckets)), dim);
  }
}

void EmbeddingGather(const float* table, int dim, const int32_t* ids, int n, float* x) {
  for (int t = 0; t < n; ++t) Copy(table + static_cast<int64_t>(ids[t]) * dim, x + static_cast<int64_t>(t) * dim, dim);
}

void EmbeddingScatter(const int32_t* ids, int n, const float* dx, SparseRowGradient* grad) {
  int dim = grad->dim();
  for (int t = 0; t < n; ++t) AddTo(dx + static_cast<int64_t>(t) * dim, grad->Row(ids[t]), dim);
}

}  // namespace student
}  // namespace ernie_slim
