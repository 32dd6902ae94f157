#include "adamw.h"

#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ernie_slim {
namespace student {

AdamWStep::AdamWStep(float lr_, float weight_decay_, float grad_scale_, int64_t t)
    : lr(lr_), weight_decay(weight_decay_), grad_scale(grad_scale_) {
  correction1 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t))));
  correction2 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t))));
}

bool AdamWUpdate(float* __restrict w, float* __restrict m, float* __restrict v, const float* __restrict g, size_t n,
                 const AdamWStep& s, bool decay) {
  const float b1 = s.beta1, b2 = s.beta2, a1 = 1.0f - s.beta1, a2 = 1.0f - s.beta2;
  const float lr = s.lr, c1 = s.correction1, c2 = s.correction2, eps = s.eps, scale = s.grad_scale;
  const float keep = decay ? 1.0f - s.lr * s.weight_decay : 1.0f;
  constexpr float kMax = 3.4028234e38f;
  bool ok = true;
  size_t i = 0;
#if defined(__SSE2__)
  // Written with intrinsics: with errno-setting sqrt (the default) compilers will not vectorize this loop.
  {
    const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), va1 = _mm_set1_ps(a1), va2 = _mm_set1_ps(a2);
    const __m128 vlr = _mm_set1_ps(lr), vc1 = _mm_set1_ps(c1), vc2 = _mm_set1_ps(c2), veps = _mm_set1_ps(eps);
    const __m128 vscale = _mm_set1_ps(scale), vkeep = _mm_set1_ps(keep), vmax = _mm_set1_ps(kMax);
    const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    int all_ok = 0xF;
    for (; i + 4 <= n; i += 4) {
      __m128 gi = _mm_mul_ps(_mm_loadu_ps(g + i), vscale);
      __m128 mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(va1, gi));
      __m128 vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(va2, gi), gi));
      _mm_storeu_ps(m + i, mi);
      _mm_storeu_ps(v + i, vi);
      __m128 old = _mm_loadu_ps(w + i);
      __m128 denom = _mm_add_ps(_mm_sqrt_ps(_mm_mul_ps(vi, vc2)), veps);
      __m128 nw = _mm_sub_ps(_mm_mul_ps(vkeep, old), _mm_div_ps(_mm_mul_ps(vlr, _mm_mul_ps(mi, vc1)), denom));
      __m128 finite = _mm_cmple_ps(_mm_and_ps(nw, abs_mask), vmax);  // false for NaN and Inf
      _mm_storeu_ps(w + i, _mm_or_ps(_mm_and_ps(finite, nw), _mm_andnot_ps(finite, old)));
      all_ok &= _mm_movemask_ps(finite);
    }
    ok = all_ok == 0xF;
  }
#endif
  for (; i < n; ++i) {
    float gi = g[i] * scale;
    float mi = b1 * m[i] + a1 * gi;
    float vi = b2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float nw = keep * w[i] - lr * (mi * c1) / (std::sqrt(vi * c2) + eps);
    if (std::fabs(nw) <= kMax) {
      w[i] = nw;
    } else {
      ok = false;
    }
  }
  return ok;
}

}  // namespace student
}  // namespace ernie_slim
