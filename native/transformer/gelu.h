// GELU, the exact form 0.5 u (1 + erf(u / sqrt 2)), and its derivative Phi(u) + u phi(u): erf as a rational
// function of u (odd over even polynomials on [-4, 4], within 5e-7 of libm's erf) and phi through a vector exp,
// since the compilers make no vector code of the libm calls. 16 lanes on AVX-512, else 4 (vector_kernel.h).
#pragma once
#include "transformer/vector_kernel.h"

namespace ernie_slim {
namespace transformer {

// act = GELU(up).
void GeluForward(const float* up, long count, float* act);
// d *= GELU'(up).
void GeluBackward(const float* up, long count, float* d);
// act = GELU(up) and slope = GELU'(up) from one erf: the same values as GeluForward and GeluBackward's factor.
void GeluForwardAndSlope(const float* up, long count, float* act, float* slope);
// d *= factor.
void MultiplyBy(const float* factor, long count, float* d);

// The same on a named kernel (one the CPU supports), for the tests.
void GeluForwardWith(VectorKernel kernel, const float* up, long count, float* act);
void GeluBackwardWith(VectorKernel kernel, const float* up, long count, float* d);
void GeluForwardAndSlopeWith(VectorKernel kernel, const float* up, long count, float* act, float* slope);
void MultiplyByWith(VectorKernel kernel, const float* factor, long count, float* d);

}  // namespace transformer
}  // namespace ernie_slim
