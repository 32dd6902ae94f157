// The AVX-512 matrix product: B packed into panels of 32 columns (two registers) and 256 rows, so a panel
// (32 KiB) stays in L1 while 12-row register tiles of A stream past it (24 accumulators of 32 registers).
// Compiled for that target alone and called only on CPUs that have it (see gemm.cc).
#pragma once

namespace ernie_slim {
namespace student {

// C[M, N] += A[M, K] @ B[K, N] with A(i, p) = a[i * a_row + p * a_col] and B(p, j) = b[p * b_row + j * b_col],
// so either operand may be a transposed view; C is row-major [M, N].
void GemmAvx512(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, long b_row, long b_col,
                float* c);

}  // namespace student
}  // namespace ernie_slim
