#include "cuda/dense_kernels.cuh"
#include "cuda/device_buffer.cuh"

namespace ernie_slim {
namespace cuda {

namespace {
constexpr int kTile = 16;

template <bool kTransA, bool kTransB>
__global__ void GemmKernel(int m, int n, int k, const float* __restrict__ a, int lda, const float* __restrict__ b,
                           int ldb, bool accumulate, float* __restrict__ c, int ldc) {
  __shared__ float a_tile[kTile][kTile + 1];
  __shared__ float b_tile[kTile][kTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row = blockIdx.y * kTile + ty, col = blockIdx.x * kTile + tx;
  float acc = 0.0f;
  for (int k0 = 0; k0 < k; k0 += kTile) {
    const int ka = k0 + tx, kb = k0 + ty;
    a_tile[ty][tx] = row < m && ka < k ? (kTransA ? a[(long)ka * lda + row] : a[(long)row * lda + ka]) : 0.0f;
    b_tile[ty][tx] = kb < k && col < n ? (kTransB ? b[(long)col * ldb + kb] : b[(long)kb * ldb + col]) : 0.0f;
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kTile; ++i) acc += a_tile[ty][i] * b_tile[i][tx];
    __syncthreads();
  }
  if (row < m && col < n) {
    float* out = c + (long)row * ldc + col;
    *out = accumulate ? *out + acc : acc;
  }
}

__global__ void BiasTanhKernel(float* x, const float* bias, long n, int cols) {
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
    x[i] = tanhf(x[i] + bias[i % cols]);
  }
}

__global__ void AddBiasKernel(float* x, const float* bias, long n, int cols) {
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
    x[i] += bias[i % cols];
  }
}

__global__ void TanhBackwardKernel(const float* y, float* dy, long n) {
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
    dy[i] *= 1.0f - y[i] * y[i];
  }
}

__global__ void ColumnSumKernel(const float* x, int rows, int cols, float* out) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  float sum = 0.0f;
  for (int r = 0; r < rows; ++r) sum += x[(long)r * cols + col];
  out[col] = sum;
}

int Blocks(long n, int threads) {
  long blocks = (n + threads - 1) / threads;
  return static_cast<int>(blocks < 4096 ? (blocks > 0 ? blocks : 1) : 4096);
}
}  // namespace

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
          bool accumulate, float* c, int ldc, cudaStream_t stream) {
  if (m == 0 || n == 0) return;
  dim3 block(kTile, kTile), grid((n + kTile - 1) / kTile, (m + kTile - 1) / kTile);
  if (!trans_a && !trans_b)
    GemmKernel<false, false><<<grid, block, 0, stream>>>(m, n, k, a, lda, b, ldb, accumulate, c, ldc);
  else if (!trans_a && trans_b)
    GemmKernel<false, true><<<grid, block, 0, stream>>>(m, n, k, a, lda, b, ldb, accumulate, c, ldc);
  else if (trans_a && !trans_b)
    GemmKernel<true, false><<<grid, block, 0, stream>>>(m, n, k, a, lda, b, ldb, accumulate, c, ldc);
  else GemmKernel<true, true><<<grid, block, 0, stream>>>(m, n, k, a, lda, b, ldb, accumulate, c, ldc);
  CheckLaunch("Gemm");
}

void BiasTanh(float* x, const float* bias, int rows, int cols, cudaStream_t stream) {
  const long n = (long)rows * cols;
  BiasTanhKernel<<<Blocks(n, 256), 256, 0, stream>>>(x, bias, n, cols);
  CheckLaunch("BiasTanh");
}

void AddBias(float* x, const float* bias, int rows, int cols, cudaStream_t stream) {
  const long n = (long)rows * cols;
  AddBiasKernel<<<Blocks(n, 256), 256, 0, stream>>>(x, bias, n, cols);
  CheckLaunch("AddBias");
}

void TanhBackward(const float* y, float* dy, long n, cudaStream_t stream) {
  TanhBackwardKernel<<<Blocks(n, 256), 256, 0, stream>>>(y, dy, n);
  CheckLaunch("TanhBackward");
}

void ColumnSum(const float* x, int rows, int cols, float* out, cudaStream_t stream) {
  ColumnSumKernel<<<(cols + 127) / 128, 128, 0, stream>>>(x, rows, cols, out);
  CheckLaunch("ColumnSum");
}

}  // namespace cuda
}  // namespace ernie_slim
