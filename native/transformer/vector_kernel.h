// Which build of the transformer's element-wise kernels (GELU, dropout masks, LayerNorm) runs: the AVX-512 one
// (F, DQ, BW, VL; compiled for that target alone) on CPUs that have it, else the portable one. The addon stays
// baseline x86-64; ERNIE_SLIM_NO_AVX512 (or ERNIE_SLIM_NO_AVX2) keeps the portable kernels, read once.
#pragma once

#if defined(__GNUC__) && defined(__x86_64__)
#define ERNIE_SLIM_AVX512_KERNELS 1
// On a kernel's AVX-512 build: that target for this function alone.
#define ERNIE_SLIM_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))
#endif

namespace ernie_slim {
namespace transformer {

enum class VectorKernel { kPortable, kAvx512 };

bool VectorKernelSupported(VectorKernel kernel);
VectorKernel ActiveVectorKernel();

}  // namespace transformer
}  // namespace ernie_slim
