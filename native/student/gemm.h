// Small dense matrix products for batched layers, register-blocked (4 rows x 8 columns of accumulators)
// in plain C++ that compilers vectorize at -O3 without -march flags, and AVX2 + FMA versions (6 rows x 16
// columns) taken at run time on CPUs that have them. Row-major; deterministic order on a given CPU.
#pragma once

namespace ernie_slim {
namespace student {

// C[M, N] += A[M, K] @ B[K, N], where A(i, k) = a[i * a_row + k * a_col] (so A may be a transposed view).
void GemmAcc(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c);

// C[M, N] += A[M, K] @ B[N, K]^T (both operands contiguous along K).
void GemmNTAcc(int m, int n, int k, const float* a, const float* b, float* c);

}  // namespace student
}  // namespace ernie_slim
