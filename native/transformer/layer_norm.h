// LayerNorm over each row of H values: y = (x - mean) / sqrt(var + eps) * gamma + beta, with the biased
// variance (divided by H), as BERT computes it. In place (y == x) is allowed.
#pragma once

namespace ernie_slim {
namespace transformer {

void LayerNormForward(const float* x, int rows, int h, const float* gamma, const float* beta, float eps, float* y);

}  // namespace transformer
}  // namespace ernie_slim
