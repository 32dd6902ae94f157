#include "transformer/self_attention.h"

#include <algorithm>
#include <cmath>

#include "student/gemm.h"
#include "transformer/dense_rows.h"

namespace ernie_slim {
namespace transformer {

void AttentionScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t nh = static_cast<size_t>(n) * c.hidden, nd = static_cast<size_t>(n) * c.head_dim();
  for (std::vector<float>* b : {&q, &k, &v, &context}) {
    if (b->size() < nh) b->resize(nh);
  }
  for (std::vector<float>* b : {&qh, &kh, &vh, &ch}) {
    if (b->size() < nd) b->resize(nd);
  }
  if (scores.size() < static_cast<size_t>(n) * n) scores.resize(static_cast<size_t>(n) * n);
}

namespace {

// Columns [c0, c0 + d) of rows of width h, into a contiguous [n, d] block (and back).
void GatherColumns(const float* src, int n, int h, int c0, int d, float* dst) {
  for (int t = 0; t < n; ++t) std::copy(src + static_cast<long>(t) * h + c0, src + static_cast<long>(t) * h + c0 + d,
                                        dst + static_cast<long>(t) * d);
}
void ScatterColumns(const float* src, int n, int h, int c0, int d, float* dst) {
  for (int t = 0; t < n; ++t) std::copy(src + static_cast<long>(t) * d, src + static_cast<long>(t + 1) * d,
                                        dst + static_cast<long>(t) * h + c0);
}

// Softmax of each row of scores over the unmasked keys, in place.
void MaskedSoftmax(float* scores, int n, const uint8_t* key_mask) {
  bool any = false;
  for (int j = 0; j < n && !any; ++j) any = key_mask[j] != 0;
  for (int i = 0; i < n; ++i) {
    float* row = scores + static_cast<long>(i) * n;
    float top = -INFINITY;
    for (int j = 0; j < n; ++j) {
      if (!any || key_mask[j]) top = std::max(top, row[j]);
    }
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) {
      row[j] = (!any || key_mask[j]) ? std::exp(row[j] - top) : 0.0f;
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < n; ++j) row[j] *= inv;
  }
}

}  // namespace

void SelfAttentionForward(const TransformerConfig& c, const LayerWeights& layer, const float* x,
                          const uint8_t* key_mask, int n, AttentionScratch* s, float* out) {
  const int H = c.hidden, d = c.head_dim();
  DenseRowsForward(x, n, layer.query, s->q.data());
  DenseRowsForward(x, n, layer.key, s->k.data());
  DenseRowsForward(x, n, layer.value, s->v.data());
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (int h = 0; h < c.heads; ++h) {
    GatherColumns(s->q.data(), n, H, h * d, d, s->qh.data());
    GatherColumns(s->k.data(), n, H, h * d, d, s->kh.data());
    GatherColumns(s->v.data(), n, H, h * d, d, s->vh.data());
    for (int i = 0; i < n * d; ++i) s->qh[i] *= scale;
    std::fill(s->scores.begin(), s->scores.begin() + static_cast<long>(n) * n, 0.0f);
    student::GemmNTAcc(n, n, d, s->qh.data(), s->kh.data(), s->scores.data());
    MaskedSoftmax(s->scores.data(), n, key_mask);
    std::fill(s->ch.begin(), s->ch.begin() + static_cast<long>(n) * d, 0.0f);
    student::GemmAcc(n, d, n, s->scores.data(), n, 1, s->vh.data(), s->ch.data());
    ScatterColumns(s->ch.data(), n, H, h * d, d, s->context.data());
  }
  DenseRowsForward(s->context.data(), n, layer.attention_output, out);
}

}  // namespace transformer
}  // namespace ernie_slim
