#include "transformer/cls_attention.h"

#include <algorithm>
#include <cmath>

namespace ernie_slim {
namespace transformer {

void ClsAttentionForward(const TransformerConfig& c, const float* q, const float* k, const float* v,
                         const uint8_t* key_mask, int n, float* probs, const float* keep, float* context) {
  const int H = c.hidden, d = c.head_dim();
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  bool any = false;
  for (int j = 0; j < n; ++j) any |= key_mask[j] != 0;
  std::fill(context, context + H, 0.0f);
  for (int h = 0; h < c.heads; ++h) {
    const float* qh = q + h * d;
    float* p = probs + static_cast<long>(h) * n;
    float top = -INFINITY;
    for (int j = 0; j < n; ++j) {
      const float* kj = k + static_cast<long>(j) * H + h * d;
      float s = 0.0f;
      for (int e = 0; e < d; ++e) s += qh[e] * kj[e];
      p[j] = s * scale;
      if (!any || key_mask[j]) top = std::max(top, p[j]);
    }
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) {
      p[j] = (!any || key_mask[j]) ? std::exp(p[j] - top) : 0.0f;
      sum += p[j];
    }
    const float inv = 1.0f / sum;
    float* ch = context + h * d;
    for (int j = 0; j < n; ++j) {
      p[j] *= inv;
      const float weight = keep ? p[j] * keep[static_cast<long>(h) * n + j] : p[j];
      const float* vj = v + static_cast<long>(j) * H + h * d;
      for (int e = 0; e < d; ++e) ch[e] += weight * vj[e];
    }
  }
}

void ClsAttentionBackward(const TransformerConfig& c, const float* q, const float* k, const float* v, int n,
                          const float* probs, const float* keep, const float* dcontext, float* dq, float* dk,
                          float* dv) {
  const int H = c.hidden, d = c.head_dim();
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::fill(dq, dq + H, 0.0f);
  for (int h = 0; h < c.heads; ++h) {
    const float* p = probs + static_cast<long>(h) * n;
    const float* kept = keep ? keep + static_cast<long>(h) * n : nullptr;
    const float* dch = dcontext + h * d;
    const float* qh = q + h * d;
    float* dqh = dq + h * d;
    // dS first needs sum_i p_i dp_i over every key.
    float dot = 0.0f;
    for (int j = 0; j < n; ++j) {
      const float* vj = v + static_cast<long>(j) * H + h * d;
      float dp = 0.0f;
      for (int e = 0; e < d; ++e) dp += dch[e] * vj[e];
      if (kept) dp *= kept[j];
      dot += p[j] * dp;
      // dv_jh, and dp kept in dk's row until dS is known.
      const float weight = kept ? p[j] * kept[j] : p[j];
      float* dvj = dv + static_cast<long>(j) * H + h * d;
      for (int e = 0; e < d; ++e) dvj[e] = weight * dch[e];
      dk[static_cast<long>(j) * H + h * d] = dp;
    }
    for (int j = 0; j < n; ++j) {
      float* dkj = dk + static_cast<long>(j) * H + h * d;
      const float ds = p[j] * (dkj[0] - dot) * scale;
      const float* kj = k + static_cast<long>(j) * H + h * d;
      for (int e = 0; e < d; ++e) dqh[e] += ds * kj[e];
      for (int e = 0; e < d; ++e) dkj[e] = ds * qh[e];
    }
  }
}

}  // namespace transformer
}  // namespace ernie_slim
