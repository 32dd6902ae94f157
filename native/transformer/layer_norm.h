// LayerNorm over each row of H values: y = x_hat * gamma + beta, x_hat = (x - mean) * rstd,
// rstd = 1 / sqrt(var + eps), with the biased variance (divided by H), as BERT computes it.
// Backward: dgamma += sum_rows dy * x_hat, dbeta += sum_rows dy, and with g = dy * gamma,
//   dx = rstd * (g - mean(g) - x_hat * mean(g * x_hat)).
#pragma once

namespace ernie_slim {
namespace transformer {

// In place (y == x) is allowed; x_hat [rows, H] and rstd [rows] are kept for the backward pass when not null.
void LayerNormForward(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y,
                      float* x_hat = nullptr, float* rstd = nullptr);

// dx may be dy (in place).
void LayerNormBackward(const float* x_hat, const float* rstd, const float* gamma, const float* dy, int rows, int h,
                       float* dgamma, float* dbeta, float* dx);

}  // namespace transformer
}  // namespace ernie_slim
