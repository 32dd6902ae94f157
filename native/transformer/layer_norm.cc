#include "transformer/layer_norm.h"

#include <cmath>

namespace ernie_slim {
namespace transformer {

void LayerNormForward(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y) {
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
    for (int j = 0; j < h; ++j) yr[j] = (xr[j] - mean) * inv * gamma[j] + beta[j];
  }
}

}  // namespace transformer
}  // namespace ernie_slim
