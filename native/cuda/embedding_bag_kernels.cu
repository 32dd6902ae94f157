#include "cuda/device_buffer.cuh"
#include "cuda/embedding_bag_kernels.cuh"

namespace ernie_slim {
namespace cuda {

namespace {
__device__ __forceinline__ int64_t BigramRow(int32_t prev, int32_t cur, const BagShape& s) {
  return s.vocab_size + (static_cast<int64_t>(prev) * 1000003 + cur) % s.bigram_buckets;
}

__device__ __forceinline__ uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

__global__ void WordDropoutKernel(const int32_t* tokens, const int32_t* start, const int32_t* length, int count,
                                  uint64_t seed, uint32_t keep_below, int32_t* kept, int32_t* kept_length) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const int32_t s = start[i], n = length[i];
  int32_t k = 0;
  for (int32_t t = 0; t < n; ++t) {
    if (static_cast<uint32_t>(SplitMix64(seed ^ static_cast<uint64_t>(s + t)) >> 32) < keep_below) {
      kept[s + k++] = tokens[s + t];
    }
  }
  kept_length[i] = k;
}

__global__ void BagForwardKernel(const float* __restrict__ table, BagShape shape, const int32_t* __restrict__ tokens,
                                 const int32_t* start, const int32_t* length, float* bag, float* soft) {
  const int i = blockIdx.x, E = shape.dim;
  const int32_t* ids = tokens + start[i];
  const int32_t n = length[i];
  for (int d = threadIdx.x; d < E; d += blockDim.x) {
    float acc = 0.0f;
    for (int32_t t = 0; t < n; ++t) acc += table[static_cast<int64_t>(ids[t]) * E + d];
    if (shape.bigram_buckets > 0) {
      for (int32_t t = 1; t < n; ++t) acc += table[BigramRow(ids[t - 1], ids[t], shape) * E + d];
    }
    bag[static_cast<long>(i) * E + d] = acc;
    soft[static_cast<long>(i) * E + d] = acc / (1.0f + fabsf(acc));
  }
}

__global__ void SoftsignBackwardKernel(const float* bag, float* d, long n) {
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
    const float q = 1.0f + fabsf(bag[i]);
    d[i] /= q * q;
  }
}

__device__ __forceinline__ void Touch(int64_t row, int32_t* touched_flag, int32_t* touched_rows,
                                      int32_t* touched_count) {
  if (atomicExch(touched_flag + row, 1) == 0) touched_rows[atomicAdd(touched_count, 1)] = static_cast<int32_t>(row);
}

__global__ void BagBackwardKernel(const float* __restrict__ d_bag, BagShape shape, const int32_t* __restrict__ tokens,
                                  const int32_t* start, const int32_t* length, const uint8_t* has_target, float* grad,
                                  int32_t* touched_flag, int32_t* touched_rows, int32_t* touched_count) {
  const int i = blockIdx.x, E = shape.dim;
  if (!has_target[i]) return;
  const int32_t* ids = tokens + start[i];
  const int32_t n = length[i];
  const float* g = d_bag + static_cast<long>(i) * E;
  for (int32_t t = 0; t < n; ++t) {
    const int64_t row = ids[t];
    for (int d = threadIdx.x; d < E; d += blockDim.x) atomicAdd(grad + row * E + d, g[d]);
    if (threadIdx.x == 0) Touch(row, touched_flag, touched_rows, touched_count);
  }
  if (shape.bigram_buckets > 0) {
    for (int32_t t = 1; t < n; ++t) {
      const int64_t row = BigramRow(ids[t - 1], ids[t], shape);
      for (int d = threadIdx.x; d < E; d += blockDim.x) atomicAdd(grad + row * E + d, g[d]);
      if (threadIdx.x == 0) Touch(row, touched_flag, touched_rows, touched_count);
    }
  }
}

int ThreadsFor(int dim) { return dim >= 256 ? 256 : ((dim + 31) / 32) * 32; }
}  // namespace

void WordDropout(const int32_t* tokens, const int32_t* start, const int32_t* length, int count, uint64_t seed,
                 uint32_t keep_below, int32_t* kept, int32_t* kept_length, cudaStream_t stream) {
  WordDropoutKernel<<<(count + 127) / 128, 128, 0, stream>>>(tokens, start, length, count, seed, keep_below, kept,
                                                             kept_length);
  CheckLaunch("WordDropout");
}

void BagForward(const float* table, BagShape shape, const int32_t* tokens, const int32_t* start, const int32_t* length,
                int count, float* bag, float* soft, cudaStream_t stream) {
  if (count == 0) return;
  BagForwardKernel<<<count, ThreadsFor(shape.dim), 0, stream>>>(table, shape, tokens, start, length, bag, soft);
  CheckLaunch("BagForward");
}

void SoftsignBackward(const float* bag, float* d, long n, cudaStream_t stream) {
  long blocks = (n + 255) / 256;
  SoftsignBackwardKernel<<<static_cast<int>(blocks < 4096 ? (blocks ? blocks : 1) : 4096), 256, 0, stream>>>(bag, d, n);
  CheckLaunch("SoftsignBackward");
}

void BagBackward(const float* d_bag, BagShape shape, const int32_t* tokens, const int32_t* start, const int32_t* length,
                 const uint8_t* has_target, int count, float* grad, int32_t* touched_flag, int32_t* touched_rows,
                 int32_t* touched_count, cudaStream_t stream) {
  if (count == 0) return;
  BagBackwardKernel<<<count, ThreadsFor(shape.dim), 0, stream>>>(d_bag, shape, tokens, start, length, has_target, grad,
                                                                 touched_flag, touched_rows, touched_count);
  CheckLaunch("BagBackward");
}

}  // namespace cuda
}  // namespace ernie_slim
