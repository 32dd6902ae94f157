// Small dense matrix products for batched layers, register-blocked (4 rows x 8 columns of accumulators)
// in plain C++ that compilers vectorize at -O3 without -march flags, AVX2 + FMA versions (6 rows x 16
// columns) and an AVX-512 one on packed panels (gemm_avx512.h, for products of 4 rows or more), taken at run
// time on CPUs that have them. Row-major; deterministic order on a given CPU.
#pragma once

namespace ernie_slim {
namespace student {

// C[M, N] += A[M, K] @ B[K, N], where A(i, k) = a[i * a_row + k * a_col] (so A may be a transposed view).
void GemmAcc(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c);

// C[M, N] += A[M, K] @ B[N, K]^T (both operands contiguous along K).
void GemmNTAcc(int m, int n, int k, const float* a, const float* b, float* c);

enum class GemmKernel { kBaseline, kAvx2, kAvx512 };

// The kernel GemmAcc and GemmNTAcc use on this CPU. ERNIE_SLIM_NO_AVX512 (any value) stops at AVX2, and
// ERNIE_SLIM_NO_AVX2 at the baseline, so tests check each on one machine.
GemmKernel ActiveGemmKernel();
const char* GemmKernelName(GemmKernel kernel);
// Whether this CPU (and build) can run the kernel, the environment aside.
bool GemmKernelSupported(GemmKernel kernel);

// GemmAcc and GemmNTAcc on a given kernel, which must be supported (products of fewer than 4 rows run the
// AVX2 kernel under kAvx512: packing B would cost as much as the product).
void GemmAccWith(GemmKernel kernel, int m, int n, int k, const float* a, long a_row, long a_col, const float* b,
                 float* c);
void GemmNTAccWith(GemmKernel kernel, int m, int n, int k, const float* a, const float* b, float* c);

}  // namespace student
}  // namespace ernie_slim
