// Dropout's masks: unit i of count is dropped (keep 0) when the stream's i-th Unit() is below p, else kept
// (keep 1 / (1 - p)); one draw per unit in order, whichever kernel makes them, so a seed gives the same mask on
// every CPU. The draws are counter-based (util/random.h), 8 at a time in 64-bit lanes on AVX-512.
#pragma once
#include "transformer/vector_kernel.h"
#include "util/random.h"

namespace ernie_slim {
namespace transformer {

// Fills keep[0, count) from rng (advanced past count draws) and multiplies x by it (x may be null).
void DrawDropout(Random* rng, float p, long count, float* keep, float* x);
// x *= keep.
void ApplyKeep(const float* keep, long count, float* x);

// DrawDropout on a named kernel (one the CPU supports), for the tests.
void DrawDropoutWith(VectorKernel kernel, Random* rng, float p, long count, float* keep, float* x);

}  // namespace transformer
}  // namespace ernie_slim
