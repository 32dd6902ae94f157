#include "transformer/dropout_mask.h"

#include <cmath>
#include <cstdint>

#include "transformer/avx512_math.h"
#include "transformer/gelu.h"

namespace ernie_slim {
namespace transformer {
namespace {

// Unit() < p in integers: Unit() is k / 2^24 exactly with k = Next() >> 40, and p * 2^24 is exact in float (a
// power-of-two scale), so the test is k < p * 2^24, which for an integer k is k < ceil(p * 2^24).
uint64_t DropBelow(float p) {
  if (!(p > 0.0f)) return 0;  // nothing dropped, NaN included, as Unit() < p says
  const float scaled = p * 16777216.0f;
  return scaled >= 16777216.0f ? 16777216u : static_cast<uint64_t>(std::ceil(scaled));
}

void DrawDropoutPortable(Random* rng, float p, long count, float* keep, float* x) {
  const float scale = 1.0f / (1.0f - p);
  const uint64_t below = DropBelow(p);
  uint64_t state = rng->state();  // in a register, not through *rng, for the loop
  for (long i = 0; i < count; ++i) {
    state += Random::kGolden;
    keep[i] = (Random::Mix(state) >> 40) < below ? 0.0f : scale;
  }
  rng->Skip(static_cast<uint64_t>(count));
  if (x) MultiplyByWith(VectorKernel::kPortable, keep, count, x);
}

#ifdef ERNIE_SLIM_AVX512_KERNELS
ERNIE_SLIM_AVX512 inline __m512i Mix8(__m512i z) {
  z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 30));
  z = _mm512_mullo_epi64(z, _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ULL)));
  z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 27));
  z = _mm512_mullo_epi64(z, _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBULL)));
  return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

// The keep factors of the 16 units whose draws the counters lo (8) and hi (the next 8) make.
ERNIE_SLIM_AVX512 inline __m512 Keep16(__m512i lo, __m512i hi, __m512i below, __m512 scale) {
  const __mmask8 drop_lo = _mm512_cmplt_epu64_mask(_mm512_srli_epi64(Mix8(lo), 40), below);
  const __mmask8 drop_hi = _mm512_cmplt_epu64_mask(_mm512_srli_epi64(Mix8(hi), 40), below);
  return _mm512_maskz_mov_ps(static_cast<__mmask16>(~(drop_lo | (static_cast<unsigned>(drop_hi) << 8))), scale);
}

ERNIE_SLIM_AVX512 void DrawDropoutAvx512(Random* rng, float p, long count, float* keep, float* x) {
  const __m512 scale = _mm512_set1_ps(1.0f / (1.0f - p));
  const __m512i below = _mm512_set1_epi64(static_cast<long long>(DropBelow(p)));
  const uint64_t g = Random::kGolden, s = rng->state();
  // Counters for draws i + 1 .. i + 8 (lo) and i + 9 .. i + 16 (hi).
  __m512i lo = _mm512_set_epi64(static_cast<long long>(s + 8 * g), static_cast<long long>(s + 7 * g),
                                static_cast<long long>(s + 6 * g), static_cast<long long>(s + 5 * g),
                                static_cast<long long>(s + 4 * g), static_cast<long long>(s + 3 * g),
                                static_cast<long long>(s + 2 * g), static_cast<long long>(s + g));
  const __m512i step8 = _mm512_set1_epi64(static_cast<long long>(8 * g)), step16 = _mm512_add_epi64(step8, step8);
  __m512i hi = _mm512_add_epi64(lo, step8);
  long i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m512 k = Keep16(lo, hi, below, scale);
    _mm512_storeu_ps(keep + i, k);
    if (x) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), k));
    lo = _mm512_add_epi64(lo, step16);
    hi = _mm512_add_epi64(hi, step16);
  }
  if (i < count) {
    const __mmask16 m = static_cast<__mmask16>((1u << (count - i)) - 1u);
    const __m512 k = Keep16(lo, hi, below, scale);
    _mm512_mask_storeu_ps(keep + i, m, k);
    if (x) _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), k));
  }
  rng->Skip(static_cast<uint64_t>(count));
}
#endif

}  // namespace

void DrawDropoutWith(VectorKernel kernel, Random* rng, float p, long count, float* keep, float* x) {
#ifdef ERNIE_SLIM_AVX512_KERNELS
  if (kernel == VectorKernel::kAvx512) return DrawDropoutAvx512(rng, p, count, keep, x);
#endif
  DrawDropoutPortable(rng, p, count, keep, x);
}

void DrawDropout(Random* rng, float p, long count, float* keep, float* x) {
  DrawDropoutWith(ActiveVectorKernel(), rng, p, count, keep, x);
}

void ApplyKeep(const float* keep, long count, float* x) { MultiplyBy(keep, count, x); }

}  // namespace transformer
}  // namespace ernie_slim
