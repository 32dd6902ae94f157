#include "match_features.h"

namespace ernie_slim {
namespace student {

void MatchFeaturesForward(const float* u, const float* v, int dim, float* f) {
  for (int i = 0; i < dim; ++i) {
    const float diff = u[i] - v[i];
    f[i] = u[i];
    f[dim + i] = v[i];
    f[2 * dim + i] = diff < 0.0f ? -diff : diff;
    f[3 * dim + i] = u[i] * v[i];
  }
}

void MatchFeaturesBackward(const float* u, const float* v, const float* df, int dim, float* du, float* dv) {
  for (int i = 0; i < dim; ++i) {
    const float diff = u[i] - v[i];
    const float sign = diff > 0.0f ? 1.0f : diff < 0.0f ? -1.0f : 0.0f;
    const float d_abs = sign * df[2 * dim + i];
    du[i] = df[i] + d_abs + v[i] * df[3 * dim + i];
    dv[i] = df[dim + i] - d_abs + u[i] * df[3 * dim + i];
  }
}

}  // namespace student
}  // namespace ernie_slim
