// LayerNorm over each row of H values: y = x_hat * gamma + beta, x_hat = (x - mean) * rstd,
// rstd = 1 / sqrt(var + eps), with the biased variance (divided by H), as BERT computes it.
// Backward: dgamma += sum_rows dy * x_hat, dbeta += sum_rows dy, and with g = dy * gamma,
//   dx = rstd * (g - mean(g) - x_hat * mean(g * x_hat)).
// Rows run 16 lanes at a time on AVX-512, else in code the compiler vectorizes (vector_kernel.h).
#pragma once
#include "transformer/vector_kernel.h"

namespace ernie_slim {
namespace transformer {

// In place (y == x) is allowed; x_hat [rows, H] and rstd [rows] are kept for the backward pass when not null.
void LayerNormForward(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y,
                      float* x_hat = nullptr, float* rstd = nullptr);

// dx may be dy (in place). dgamma and dbeta are summed over fixed blocks of rows, each block's sums then added
// in block order, so that the threads version gives the same values for any thread count.
void LayerNormBackward(const float* x_hat, const float* rstd, const float* gamma, const float* dy, int rows, int h,
                       float* dgamma, float* dbeta, float* dx);
// The same, the blocks of rows shared by `threads` threads of the shared pool.
void LayerNormBackwardThreads(int threads, const float* x_hat, const float* rstd, const float* gamma, const float* dy,
                              int rows, int h, float* dgamma, float* dbeta, float* dx);

// The same on a named kernel (one the CPU supports), for the tests.
void LayerNormForwardWith(VectorKernel kernel, const float* x, int rows, int h, const float* gamma, const float* beta,
                          float eps, float* y, float* x_hat, float* rstd);
void LayerNormBackwardWith(VectorKernel kernel, int threads, const float* x_hat, const float* rstd, const float* gamma,
                           const float* dy, int rows, int h, float* dgamma, float* dbeta, float* dx);

}  // namespace transformer
}  // namespace ernie_slim
