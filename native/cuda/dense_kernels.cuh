// The bow student's dense layers on the device: a tiled matrix product (row-major, optional transposes) and
// the element-wise activations around it. Our own kernels: the CUDA toolkit on the build machines ships no cuBLAS.
#pragma once
#include <cuda_runtime.h>

namespace ernie_slim {
namespace cuda {

// C[M, N] = op(A)[M, K] @ op(B)[K, N] (+ C when accumulate); op(X) = X^T when trans_X. Leading dims are
// those of the stored (untransposed) matrices.
void Gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
          bool accumulate, float* c, int ldc, cudaStream_t stream);

// x[r, :] = tanh(x[r, :] + bias)
void BiasTanh(float* x, const float* bias, int rows, int cols, cudaStream_t stream);
// x[r, :] += bias
void AddBias(float* x, const float* bias, int rows, int cols, cudaStream_t stream);
// dy *= 1 - y^2 (y = tanh output)
void TanhBackward(const float* y, float* dy, long n, cudaStream_t stream);
// out[c] = sum_r x[r, c]
void ColumnSum(const float* x, int rows, int cols, float* out, cudaStream_t stream);

}  // namespace cuda
}  // namespace ernie_slim
