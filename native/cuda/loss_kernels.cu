#include "cuda/device_buffer.cuh"
#include "cuda/loss_kernels.cuh"

namespace ernie_slim {
namespace cuda {

namespace {
// log-sum-exp of z / t.
__device__ float LogSumExp(const float* z, int n, float inv_t) {
  float mx = z[0] * inv_t;
  for (int k = 1; k < n; ++k) mx = fmaxf(mx, z[k] * inv_t);
  double sum = 0.0;
  for (int k = 0; k < n; ++k) sum += exp(static_cast<double>(z[k] * inv_t - mx));
  return mx + static_cast<float>(log(sum));
}

__global__ void DistillationLossKernel(const float* logits, int L, int count, const int32_t* labels,
                                       const float* teacher, float temperature, float alpha, float weight,
                                       float* d_logits, uint8_t* has_target, double* loss_sum) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const float* z = logits + static_cast<long>(i) * L;
  float* dz = d_logits + static_cast<long>(i) * L;
  const float* t = teacher ? teacher + static_cast<long>(i) * L : nullptr;
  const int32_t label = labels[i];
  const bool hard = label >= 0;
  const bool soft = t != nullptr && !isnan(t[0]);
  has_target[i] = hard || soft;
  for (int k = 0; k < L; ++k) dz[k] = 0.0f;
  if (!hard && !soft) return;
  const float hard_w = hard ? (soft ? 1.0f - alpha : 1.0f) : 0.0f;
  const float soft_w = soft ? (hard ? alpha : 1.0f) : 0.0f;
  float loss = 0.0f;
  if (hard) {
    const float lse = LogSumExp(z, L, 1.0f);
    loss += hard_w * -(z[label] - lse);
    for (int k = 0; k < L; ++k) dz[k] += weight * hard_w * expf(z[k] - lse);
    dz[label] -= weight * hard_w;
  }
  if (soft) {
    const float inv_t = 1.0f / temperature;
    const float teacher_lse = LogSumExp(t, L, inv_t);
    const float lse = LogSumExp(z, L, inv_t);
    float ce = 0.0f;
    for (int k = 0; k < L; ++k) {
      const float q = expf(t[k] * inv_t - teacher_lse);
      const float logp = z[k] * inv_t - lse;
      ce -= q * logp;
      dz[k] += weight * soft_w * temperature * (expf(logp) - q);
    }
    loss += soft_w * temperature * temperature * ce;
  }
  atomicAdd(loss_sum, static_cast<double>(loss));
}
}  // namespace

void DistillationLoss(const float* logits, int labels_count, int count, const int32_t* labels, const float* teacher,
                      float temperature, float alpha, float weight, float* d_logits, uint8_t* has_target,
                      double* loss_sum, cudaStream_t stream) {
  if (count == 0) return;
  DistillationLossKernel<<<(count + 127) / 128, 128, 0, stream>>>(
      logits, labels_count, count, labels, teacher, temperature, alpha, weight, d_logits, has_target, loss_sum);
  CheckLaunch("DistillationLoss");
}

}  // namespace cuda
}  // namespace ernie_slim
