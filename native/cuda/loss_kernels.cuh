// student/loss.h's distillation loss on the device, one thread per row.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace ernie_slim {
namespace cuda {

// For each of `count` rows: labels[i] (-1: none) and teacher[i, :] (a NaN first logit, or a null teacher:
// none). Writes weight * dLoss/dz into d_logits, has_target[i], and adds the rows' losses into *loss_sum.
void DistillationLoss(const float* logits, int labels_count, int count, const int32_t* labels, const float* teacher,
                      float temperature, float alpha, float weight, float* d_logits, uint8_t* has_target,
                      double* loss_sum, cudaStream_t stream);

}  // namespace cuda
}  // namespace ernie_slim
