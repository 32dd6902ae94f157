// The bow student trained on a CUDA device: the same math as Model's bow path (student/bow_encoder.h, head.h),
// one batch after another on one stream (no Hogwild), weights and AdamW moments kept on the device between epochs.
// Plain C++ here, so that the rest of the addon builds the same with or without CUDA.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "student/model.h"
#include "student/trainer.h"

namespace ernie_slim {
namespace cuda {

class BowGpuTrainer {
 public:
  // Null, with *problem set, when no CUDA device is usable or the model cannot train on one.
  static std::unique_ptr<BowGpuTrainer> Create(const student::Model& model, std::string* problem);
  virtual ~BowGpuTrainer() = default;

  // One epoch over `order` (as student::TrainEpoch); leaves the new weights in model's host copy.
  // Word dropout draws from the device's own counter-based stream, not the CPU's.
  virtual student::EpochResult TrainEpoch(student::Model* model, const student::TrainingData& data,
                                          const std::vector<int32_t>& order, const student::EpochOptions& options) = 0;

  // Mean loss of one batch and its gradients, left in state (as student::BatchLossAndGradients, no dropout),
  // computed on the device from model's host weights: what the GPU-vs-CPU parity tests compare.
  virtual double LossAndGradients(const student::Model& model, const student::TrainingData& data, const int32_t* rows,
                                  int count, const student::LossOptions& options, student::State* state) = 0;

  // The host weights were replaced (setWeights): upload them before the next epoch.
  virtual void HostWeightsChanged() = 0;
};

}  // namespace cuda
}  // namespace ernie_slim
