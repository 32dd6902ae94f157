#include "transformer/layer_norm.h"

#include <cmath>

namespace ernie_slim {
namespace transformer {

void LayerNormForward(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y,
                      float* x_hat, float* rstd) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<long>(r) * h;
    float* yr = y + static_cast<long>(r) * h;
    // Two passes: the mean first, so that the variance does not lose digits to cancellation.
    float mean = 0.0f;
    for (int j = 0; j < h; ++j) mean += xr[j];
    mean /= static_cast<float>(h);
    float var = 0.0f;
    for (int j = 0; j < h; ++j) var += (xr[j] - mean) * (xr[j] - mean);
    var /= static_cast<float>(h);
    const float inv = 1.0f / std::sqrt(var + eps);
    if (rstd) rstd[r] = inv;
    for (int j = 0; j < h; ++j) {
      const float xh = (xr[j] - mean) * inv;
      if (x_hat) x_hat[static_cast<long>(r) * h + j] = xh;
      yr[j] = xh * gamma[j] + beta[j];
    }
  }
}

void LayerNormBackward(const float* x_hat, const float* rstd, const float* gamma, const float* dy, int rows, int h,
                       float* dgamma, float* dbeta, float* dx) {
  for (int r = 0; r < rows; ++r) {
    const float* xh = x_hat + static_cast<long>(r) * h;
    const float* dyr = dy + static_cast<long>(r) * h;
    float* dxr = dx + static_cast<long>(r) * h;
    float mean_g = 0.0f, mean_gx = 0.0f;
    for (int j = 0; j < h; ++j) {
      dgamma[j] += dyr[j] * xh[j];
      dbeta[j] += dyr[j];
      const float g = dyr[j] * gamma[j];
      mean_g += g;
      mean_gx += g * xh[j];
    }
    mean_g /= static_cast<float>(h);
    mean_gx /= static_cast<float>(h);
    for (int j = 0; j < h; ++j) dxr[j] = rstd[r] * (dyr[j] * gamma[j] - mean_g - xh[j] * mean_gx);
  }
}

}  // namespace transformer
}  // namespace ernie_slim
