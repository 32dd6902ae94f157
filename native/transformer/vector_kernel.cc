#include "transformer/vector_kernel.h"

#include <cstdlib>

namespace ernie_slim {
namespace transformer {

bool VectorKernelSupported(VectorKernel kernel) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return kernel == VectorKernel::kPortable || avx512;
#else
  return kernel == VectorKernel::kPortable;
#endif
}

VectorKernel ActiveVectorKernel() {
  static const VectorKernel active = [] {
    const bool refused = std::getenv("ERNIE_SLIM_NO_AVX512") != nullptr || std::getenv("ERNIE_SLIM_NO_AVX2") != nullptr;
    return !refused && VectorKernelSupported(VectorKernel::kAvx512) ? VectorKernel::kAvx512 : VectorKernel::kPortable;
  }();
  return active;
}

}  // namespace transformer
}  // namespace ernie_slim
