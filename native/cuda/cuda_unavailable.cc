// The addon built without CUDA (no nvcc, or ERNIE_SLIM_CUDA=OFF): no devices, no GPU trainer.
#include "cuda/bow_gpu_trainer.h"
#include "cuda/cuda_devices.h"

namespace ernie_slim {
namespace cuda {

const CudaDevices& ProbeCudaDevices() {
  static const CudaDevices devices = [] {
    CudaDevices d;
    d.problem = "this ernie-slim addon was built without CUDA (no nvcc at install, or ERNIE_SLIM_CUDA=OFF)";
    return d;
  }();
  return devices;
}

std::unique_ptr<BowGpuTrainer> BowGpuTrainer::Create(const student::Model&, std::string* problem) {
  *problem = ProbeCudaDevices().problem;
  return nullptr;
}

}  // namespace cuda
}  // namespace ernie_slim
