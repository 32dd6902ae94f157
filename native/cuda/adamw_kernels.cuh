// student/adamw.h's AdamW on the device, with global-norm clipping decided on the device (no host sync per
// step): squared norms accumulate into a double, StepGate turns them into the clipping scale and stops every
// later update once a loss or gradient is not finite (*bad = 1), as the CPU trainer stops its epoch.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace ernie_slim {
namespace cuda {

struct AdamWHyper {
  float lr;
  float weight_decay;
  float correction1;  // 1 / (1 - beta1^t)
  float correction2;  // 1 / (1 - beta2^t)
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
};

// The device-side state of one step.
struct StepGateState {
  double* norm2;       // summed squared gradient norm of this step
  double* step_loss;   // summed row losses of this step
  double* epoch_loss;  // summed row losses of the applied steps
  float* scale;        // clipping factor for this step
  int32_t* bad;        // 1 once a step was not finite
};

void AddSquaredNorm(const float* x, long n, double* out, cudaStream_t stream);
// Squared norm of the touched rows of a [rows, dim] table.
void AddTouchedRowsSquaredNorm(const float* grad, int dim, const int32_t* touched_rows, const int32_t* touched_count,
                               double* out, cudaStream_t stream);

void StepGate(StepGateState state, float clip_norm, cudaStream_t stream);

// w, m, v, g of n elements; decoupled decay when `decay`.
void AdamWDense(float* w, float* m, float* v, const float* g, long n, AdamWHyper hyper, bool decay, StepGateState state,
                cudaStream_t stream);

// The touched rows of the embedding (moments interleaved per row as [m | v], as on the host); zeroes their
// gradient rows and flags afterwards, whether or not the step was applied. `apply` false only clears.
void AdamWTouchedRows(float* table, float* moments, float* grad, int dim, const int32_t* touched_rows,
                      const int32_t* touched_count, int32_t* touched_flag, AdamWHyper hyper, bool apply,
                      StepGateState state, cudaStream_t stream);

}  // namespace cuda
}  // namespace ernie_slim
