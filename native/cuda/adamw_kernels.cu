#include "cuda/adamw_kernels.cuh"
#include "cuda/device_buffer.cuh"

namespace ernie_slim {
namespace cuda {

namespace {
constexpr float kMaxFloat = 3.4028234e38f;
constexpr int kRowBlocks = 1024;

__device__ double BlockSum(double value) {
  __shared__ double partial[32];
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_down_sync(0xffffffff, value, offset);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = value;
  __syncthreads();
  value = threadIdx.x < (blockDim.x + 31) / 32 ? partial[lane] : 0.0;
  if (warp == 0) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_down_sync(0xffffffff, value, offset);
  }
  return value;
}

__global__ void SquaredNormKernel(const float* x, long n, double* out) {
  double sum = 0.0;
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
    sum += static_cast<double>(x[i]) * x[i];
  }
  sum = BlockSum(sum);
  if (threadIdx.x == 0) atomicAdd(out, sum);
}

__global__ void TouchedRowsSquaredNormKernel(const float* grad, int dim, const int32_t* touched_rows,
                                             const int32_t* touched_count, double* out) {
  double sum = 0.0;
  const int32_t rows = *touched_count;
  for (int32_t k = blockIdx.x; k < rows; k += gridDim.x) {
    const float* g = grad + static_cast<int64_t>(touched_rows[k]) * dim;
    for (int d = threadIdx.x; d < dim; d += blockDim.x) sum += static_cast<double>(g[d]) * g[d];
  }
  sum = BlockSum(sum);
  if (threadIdx.x == 0) atomicAdd(out, sum);
}

__global__ void StepGateKernel(StepGateState s, float clip_norm) {
  const double norm2 = *s.norm2, loss = *s.step_loss;
  if (*s.bad || !isfinite(norm2) || !isfinite(loss)) {
    *s.bad = 1;
    return;
  }
  const double norm = sqrt(norm2);
  *s.scale = clip_norm > 0.0f && norm > clip_norm ? static_cast<float>(clip_norm / norm) : 1.0f;
  *s.epoch_loss += loss;
}

__device__ __forceinline__ bool AdamWElement(float* w, float* m, float* v, float g, const AdamWHyper& h, float keep) {
  const float mi = h.beta1 * *m + (1.0f - h.beta1) * g;
  const float vi = h.beta2 * *v + (1.0f - h.beta2) * g * g;
  *m = mi;
  *v = vi;
  const float nw = keep * *w - h.lr * (mi * h.correction1) / (sqrtf(vi * h.correction2) + h.eps);
  if (fabsf(nw) <= kMaxFloat) {
    *w = nw;
    return true;
  }
  return false;
}

__global__ void AdamWDenseKernel(float* w, float* m, float* v, const float* g, long n, AdamWHyper h, bool decay,
                                 StepGateState s) {
  if (*s.bad) return;
  const float scale = *s.scale, keep = decay ? 1.0f - h.lr * h.weight_decay : 1.0f;
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
    if (!AdamWElement(w + i, m + i, v + i, g[i] * scale, h, keep)) *s.bad = 1;
  }
}

__global__ void AdamWTouchedRowsKernel(float* table, float* moments, float* grad, int dim, const int32_t* touched_rows,
                                       const int32_t* touched_count, int32_t* touched_flag, AdamWHyper h, bool apply,
                                       StepGateState s) {
  const bool update = apply && !*s.bad;
  const float scale = update ? *s.scale : 0.0f;
  const int32_t rows = *touched_count;
  for (int32_t k = blockIdx.x; k < rows; k += gridDim.x) {
    const int64_t row = touched_rows[k];
    float* g = grad + row * dim;
    float* w = table + row * dim;
    float* m = moments + 2 * row * dim;
    for (int d = threadIdx.x; d < dim; d += blockDim.x) {
      if (update && !AdamWElement(w + d, m + d, m + dim + d, g[d] * scale, h, 1.0f)) *s.bad = 1;
      g[d] = 0.0f;
    }
    if (threadIdx.x == 0) touched_flag[row] = 0;
  }
}

int Blocks(long n) {
  long blocks = (n + 255) / 256;
  return static_cast<int>(blocks < 2048 ? (blocks ? blocks : 1) : 2048);
}
int RowThreads(int dim) { return dim >= 256 ? 256 : ((dim + 31) / 32) * 32; }
}  // namespace

void AddSquaredNorm(const float* x, long n, double* out, cudaStream_t stream) {
  SquaredNormKernel<<<Blocks(n), 256, 0, stream>>>(x, n, out);
  CheckLaunch("AddSquaredNorm");
}

void AddTouchedRowsSquaredNorm(const float* grad, int dim, const int32_t* touched_rows, const int32_t* touched_count,
                               double* out, cudaStream_t stream) {
  TouchedRowsSquaredNormKernel<<<kRowBlocks, RowThreads(dim), 0, stream>>>(grad, dim, touched_rows, touched_count, out);
  CheckLaunch("AddTouchedRowsSquaredNorm");
}

void StepGate(StepGateState state, float clip_norm, cudaStream_t stream) {
  StepGateKernel<<<1, 1, 0, stream>>>(state, clip_norm);
  CheckLaunch("StepGate");
}

void AdamWDense(float* w, float* m, float* v, const float* g, long n, AdamWHyper hyper, bool decay, StepGateState state,
                cudaStream_t stream) {
  AdamWDenseKernel<<<Blocks(n), 256, 0, stream>>>(w, m, v, g, n, hyper, decay, state);
  CheckLaunch("AdamWDense");
}

void AdamWTouchedRows(float* table, float* moments, float* grad, int dim, const int32_t* touched_rows,
                      const int32_t* touched_count, int32_t* touched_flag, AdamWHyper hyper, bool apply,
                      StepGateState state, cudaStream_t stream) {
  AdamWTouchedRowsKernel<<<kRowBlocks, RowThreads(dim), 0, stream>>>(table, moments, grad, dim, touched_rows,
                                                                     touched_count, touched_flag, hyper, apply, state);
  CheckLaunch("AdamWTouchedRows");
}

}  // namespace cuda
}  // namespace ernie_slim
