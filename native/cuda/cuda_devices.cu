#include <cuda_runtime.h>

#include <string>

#include "cuda/cuda_devices.h"

namespace ernie_slim {
namespace cuda {

const CudaDevices& ProbeCudaDevices() {
  static const CudaDevices devices = [] {
    CudaDevices d;
    d.built = true;
    cudaRuntimeGetVersion(&d.runtime_version);
    cudaDriverGetVersion(&d.driver_version);  // 0 when no driver is installed
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      d.problem = d.driver_version == 0 ? "no NVIDIA driver on this machine (libcuda.so.1 not found)"
                                        : std::string("no usable CUDA device (") + cudaGetErrorString(status) + ")";
      cudaGetLastError();  // clear the sticky error so later calls start clean
      return d;
    }
    d.count = count;
    if (count == 0) {
      d.problem = "no CUDA device found";
      return d;
    }
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) d.name = prop.name;
    return d;
  }();
  return devices;
}

}  // namespace cuda
}  // namespace ernie_slim
