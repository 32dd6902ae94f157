// Which CUDA devices this process can use. An addon built without CUDA reports none.
#pragma once
#include <string>

namespace ernie_slim {
namespace cuda {

struct CudaDevices {
  bool built = false;       // the addon holds CUDA kernels
  int count = 0;            // usable devices: 0 without a GPU or driver
  std::string name;         // device 0's name, when there is one
  std::string problem;      // why count is 0
  int runtime_version = 0;  // CUDA runtime the kernels were built against (e.g. 13000)
  int driver_version = 0;   // 0 without a driver
};

// Asked once, then cached: the CUDA runtime looks for the driver (libcuda.so.1) on this first call only.
const CudaDevices& ProbeCudaDevices();

}  // namespace cuda
}  // namespace ernie_slim
