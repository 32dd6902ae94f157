#include "loss.h"

#include <cmath>

namespace ernie_slim {
namespace student {

std::string LossOptions::Validate() const {
  if (!(temperature > 0) || !std::isfinite(temperature)) return "temperature must be > 0";
  if (!(alpha >= 0 && alpha <= 1)) return "alpha must be in [0, 1]";
  if (!(label_smoothing >= 0 && label_smoothing < 1)) return "labelSmoothing must be in [0, 1)";
  return "";
}

void Softmax(const float* z, int n, float temperature, float* probs) {
  float inv_t = 1.0f / temperature;
  float mx = z[0] * inv_t;
  for (int k = 1; k < n; ++k) mx = std::fmax(mx, z[k] * inv_t);
  double sum = 0.0;
  for (int k = 0; k < n; ++k) {
    probs[k] = std::exp(z[k] * inv_t - mx);
    sum += probs[k];
  }
  float inv = static_cast<float>(1.0 / sum);
  for (int k = 0; k < n; ++k) probs[k] *= inv;
}

// log softmax(z/T)_k computed stably.
static void LogSoftmax(const float* z, int n, float temperature, float* out) {
  float inv_t = 1.0f / temperature;
  float mx = z[0] * inv_t;
  for (int k = 1; k < n; ++k) mx = std::fmax(mx, z[k] * inv_t);
  double sum = 0.0;
  for (int k = 0; k < n; ++k) sum += std::exp(static_cast<double>(z[k] * inv_t - mx));
  float lse = mx + static_cast<float>(std::log(sum));
  for (int k = 0; k < n; ++k) out[k] = z[k] * inv_t - lse;
}

float DistillationLoss(const float* z, int labels, const Target& target, const LossOptions& options, float weight,
                       float* dz, float* scratch) {
  float* logp = scratch;
  float* q = scratch + labels;
  bool hard = target.label >= 0;
  bool soft = target.teacher != nullptr;
  float hard_w = hard ? (soft ? 1.0f - options.alpha : 1.0f) : 0.0f;
  float soft_w = soft ? (hard ? options.alpha : 1.0f) : 0.0f;
  for (int k = 0; k < labels; ++k) dz[k] = 0.0f;
  float loss = 0.0f;
  if (hard) {
    LogSoftmax(z, labels, 1.0f, logp);
    const float eps = options.label_smoothing, spread = eps / static_cast<float>(labels);
    loss += hard_w * -(1.0f - eps) * logp[target.label];
    for (int k = 0; k < labels; ++k) {
      if (eps > 0.0f) loss += hard_w * -spread * logp[k];
      dz[k] += weight * hard_w * (std::exp(logp[k]) - spread);
    }
    dz[target.label] -= weight * hard_w * (1.0f - eps);
  }
  if (soft) {
    float t = options.temperature;
    Softmax(target.teacher, labels, t, q);
    LogSoftmax(z, labels, t, logp);
    float ce = 0.0f;
    for (int k = 0; k < labels; ++k) ce -= q[k] * logp[k];
    loss += soft_w * t * t * ce;
    for (int k = 0; k < labels; ++k) dz[k] += weight * soft_w * t * (std::exp(logp[k]) - q[k]);
  }
  return loss;
}

}  // namespace student
}  // namespace ernie_slim
