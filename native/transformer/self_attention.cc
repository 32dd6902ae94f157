#include "transformer/self_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "student/activations.h"
#include "student/gemm.h"
#include "transformer/attention_avx512.h"
#include "transformer/device.h"
#include "transformer/dense_rows.h"

namespace ernie_slim {
namespace transformer {

#if defined(__GNUC__) && defined(__x86_64__)
#define ERNIE_SLIM_ATTENTION_AVX512 1
#endif

bool AttentionPathSupported(AttentionPath path) {
#ifdef ERNIE_SLIM_ATTENTION_AVX512
  if (path == AttentionPath::kAvx512) return student::GemmKernelSupported(student::GemmKernel::kAvx512);
  return true;
#else
  return path == AttentionPath::kPortable;
#endif
}

AttentionPath ActiveAttentionPath() {
  static const AttentionPath active =
      AttentionPathSupported(AttentionPath::kAvx512) && student::ActiveGemmKernel() == student::GemmKernel::kAvx512
          ? AttentionPath::kAvx512
          : AttentionPath::kPortable;
  return active;
}

void AttentionScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t nh = static_cast<size_t>(n) * c.hidden, nd = static_cast<size_t>(n) * c.head_dim();
  for (device::Buffer* b : {&q, &k, &v, &context}) {
    device::Reserve(b, nh);
  }
  for (device::Buffer* b : {&qh, &kh, &vh, &ch}) {
    device::Reserve(b, nd);
  }
  device::Reserve(&kh, static_cast<size_t>(c.head_dim()) * KeysStride(n));
  const size_t heads_nn = static_cast<size_t>(c.heads) * n * n;
  device::Reserve(&probs, heads_nn);
  if (dropout && keep.size() < heads_nn) keep.resize(heads_nn);
  if (dropout && dropped.size() < heads_nn) dropped.resize(heads_nn);
}

void AttentionGradScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t nh = static_cast<size_t>(n) * c.hidden, nd = static_cast<size_t>(n) * c.head_dim();
  for (device::Buffer* b : {&dq, &dk, &dv, &dcontext}) {
    device::Reserve(b, nh);
  }
  for (device::Buffer* b : {&qh, &kh, &vh, &dch, &dqh, &dkh, &dvh}) {
    device::Reserve(b, nd);
  }
  device::Reserve(&vh, static_cast<size_t>(c.head_dim()) * KeysStride(n));
  const size_t dp_size = std::max(static_cast<size_t>(n) * n, static_cast<size_t>(BackwardScratchSize(n)));
  if (dp.size() < dp_size) dp.resize(dp_size);
}

namespace {

// Asks for the cache lines of x[0, count) in L2: the heads then read their columns of each row from there,
// where each head's strided walk over rows fresh from memory would wait on every line.
void PrefetchRows(const float* x, long count) {
#if defined(__GNUC__)
  const char* begin = reinterpret_cast<const char*>(x);
  const char* end = reinterpret_cast<const char*>(x + count);
  for (const char* line = begin; line < end; line += 64) __builtin_prefetch(line, 0, 2);
#endif
}

// Columns [c0, c0 + d) of rows of width h, into a contiguous [n, d] block (and back).
void GatherColumns(const float* src, int n, int h, int c0, int d, float* dst) {
  for (int t = 0; t < n; ++t)
    std::copy(src + static_cast<long>(t) * h + c0, src + static_cast<long>(t) * h + c0 + d,
              dst + static_cast<long>(t) * d);
}
// The same columns transposed, into [d, n]: a product's B then packs by rows.
void GatherColumnsTransposed(const float* src, int n, int h, int c0, int d, float* dst) {
  for (int t = 0; t < n; ++t) {
    const float* row = src + static_cast<long>(t) * h + c0;
    for (int j = 0; j < d; ++j) dst[static_cast<long>(j) * n + t] = row[j];
  }
}
void ScatterColumns(const float* src, int n, int h, int c0, int d, float* dst) {
  for (int t = 0; t < n; ++t)
    std::copy(src + static_cast<long>(t) * d, src + static_cast<long>(t + 1) * d, dst + static_cast<long>(t) * h + c0);
}

// row[j] = exp(row[j] - top), 4 lanes at a time through the students' vector exp (the libm call would be most
// of the attention's time at small head sizes).
void ExpShifted(float* row, int n, float top) {
#if defined(__GNUC__)
  using student::vec::F4;
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    F4 v;
    std::memcpy(&v, row + j, sizeof v);
    v = student::vec::Exp(v - top);
    std::memcpy(row + j, &v, sizeof v);
  }
  if (j < n) {
    float tail[4] = {top, top, top, top};
    std::memcpy(tail, row + j, (n - j) * sizeof(float));
    F4 v;
    std::memcpy(&v, tail, sizeof v);
    v = student::vec::Exp(v - top);
    std::memcpy(tail, &v, sizeof v);
    std::memcpy(row + j, tail, (n - j) * sizeof(float));
  }
#else
  for (int j = 0; j < n; ++j) row[j] = std::exp(row[j] - top);
#endif
}

// Softmax of each row of scores over the unmasked keys, in place.
void MaskedSoftmax(float* scores, int n, const uint8_t* key_mask) {
  bool any = false, all = true;
  for (int j = 0; j < n; ++j) {
    any |= key_mask[j] != 0;
    all &= key_mask[j] != 0;
  }
  for (int i = 0; i < n; ++i) {
    float* row = scores + static_cast<long>(i) * n;
    float top = -INFINITY;
    for (int j = 0; j < n; ++j) {
      if (!any || key_mask[j]) top = std::max(top, row[j]);
    }
    ExpShifted(row, n, top);
    if (any && !all) {
      for (int j = 0; j < n; ++j) row[j] = key_mask[j] ? row[j] : 0.0f;
    }
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) sum += row[j];
    const float inv = 1.0f / sum;
    for (int j = 0; j < n; ++j) row[j] *= inv;
  }
}

}  // namespace

void AttentionHeadsForwardOn(AttentionPath path, const TransformerConfig& c, const float* q, const float* k,
                             const float* v, const uint8_t* key_mask, int n, AttentionScratch* s, float* probs,
                             const float* keep, float* dropped, float* context) {
  const int H = c.hidden, d = c.head_dim();
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const long nn = static_cast<long>(n) * n;
#ifdef ERNIE_SLIM_ATTENTION_AVX512
  if (path == AttentionPath::kAvx512) {
    for (const float* x : {q, k, v}) PrefetchRows(x, static_cast<long>(n) * H);
    bool any = false, all = true;
    for (int j = 0; j < n; ++j) {
      any |= key_mask[j] != 0;
      all &= key_mask[j] != 0;
    }
    for (int h = 0; h < c.heads; ++h) {
      AttentionHeadForwardAvx512(n, d, H, q + h * d, k + h * d, v + h * d, key_mask, any && !all, scale, probs + h * nn,
                                 keep ? keep + h * nn : nullptr, keep ? dropped + h * nn : nullptr, s->kh.data(),
                                 context + h * d);
    }
    return;
  }
#endif
  for (int h = 0; h < c.heads; ++h) {
    GatherColumns(q, n, H, h * d, d, s->qh.data());
    GatherColumnsTransposed(k, n, H, h * d, d, s->kh.data());
    GatherColumns(v, n, H, h * d, d, s->vh.data());
    for (int i = 0; i < n * d; ++i) s->qh[i] *= scale;
    float* p = probs + h * nn;
    std::fill(p, p + nn, 0.0f);
    device::MatMulAcc(n, n, d, s->qh.data(), d, 1, s->kh.data(), p);
    MaskedSoftmax(p, n, key_mask);
    if (keep) {
      float* out = dropped + h * nn;
      const float* kept = keep + h * nn;
      for (long i = 0; i < nn; ++i) out[i] = p[i] * kept[i];
      p = out;
    }
    std::fill(s->ch.begin(), s->ch.begin() + static_cast<long>(n) * d, 0.0f);
    device::MatMulAcc(n, d, n, p, n, 1, s->vh.data(), s->ch.data());
    ScatterColumns(s->ch.data(), n, H, h * d, d, context);
  }
}

void AttentionHeadsBackwardOn(AttentionPath path, const TransformerConfig& c, const float* q, const float* k,
                              const float* v, int n, const float* probs, const float* keep, const float* dropped,
                              const float* dcontext, AttentionGradScratch* g, float* dq, float* dk, float* dv) {
  const int H = c.hidden, d = c.head_dim();
  const long nd = static_cast<long>(n) * d, nn = static_cast<long>(n) * n;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
#ifdef ERNIE_SLIM_ATTENTION_AVX512
  if (path == AttentionPath::kAvx512) {
    for (const float* x : {q, k, v, dcontext}) PrefetchRows(x, static_cast<long>(n) * H);
    for (int h = 0; h < c.heads; ++h) {
      AttentionHeadBackwardAvx512(n, d, H, q + h * d, k + h * d, v + h * d, scale, probs + h * nn,
                                  keep ? keep + h * nn : nullptr, dcontext + h * d, g->dp.data(), g->vh.data(),
                                  dq + h * d, dk + h * d, dv + h * d);
    }
    return;
  }
#endif
  for (int h = 0; h < c.heads; ++h) {
    const float* p = probs + h * nn;
    GatherColumns(dcontext, n, H, h * d, d, g->dch.data());
    GatherColumns(q, n, H, h * d, d, g->qh.data());
    GatherColumns(k, n, H, h * d, d, g->kh.data());
    GatherColumnsTransposed(v, n, H, h * d, d, g->vh.data());
    for (long i = 0; i < nd; ++i) g->qh[i] *= scale;
    float* dp = g->dp.data();
    std::fill(dp, dp + nn, 0.0f);
    device::MatMulAcc(n, n, d, g->dch.data(), d, 1, g->vh.data(), dp);
    std::fill(g->dvh.begin(), g->dvh.begin() + nd, 0.0f);
    const float* used = keep ? dropped + h * nn : p;
    device::MatMulAcc(n, d, n, used, 1, n, g->dch.data(), g->dvh.data());
    if (keep) {
      const float* kept = keep + h * nn;
      for (long i = 0; i < nn; ++i) dp[i] *= kept[i];
    }
    // Softmax backward in place: dp becomes dS.
    for (int i = 0; i < n; ++i) {
      const float* pi = p + static_cast<long>(i) * n;
      float* dpi = dp + static_cast<long>(i) * n;
      float dot = 0.0f;
      for (int j = 0; j < n; ++j) dot += pi[j] * dpi[j];
      for (int j = 0; j < n; ++j) dpi[j] = pi[j] * (dpi[j] - dot);
    }
    std::fill(g->dqh.begin(), g->dqh.begin() + nd, 0.0f);
    device::MatMulAcc(n, d, n, dp, n, 1, g->kh.data(), g->dqh.data());
    for (long i = 0; i < nd; ++i) g->dqh[i] *= scale;
    std::fill(g->dkh.begin(), g->dkh.begin() + nd, 0.0f);
    device::MatMulAcc(n, d, n, dp, 1, n, g->qh.data(), g->dkh.data());
    ScatterColumns(g->dqh.data(), n, H, h * d, d, dq);
    ScatterColumns(g->dkh.data(), n, H, h * d, d, dk);
    ScatterColumns(g->dvh.data(), n, H, h * d, d, dv);
  }
}

void AttentionHeadsForward(const TransformerConfig& c, const float* q, const float* k, const float* v,
                           const uint8_t* key_mask, int n, AttentionScratch* s, float* probs, const float* keep,
                           float* dropped, float* context) {
  AttentionHeadsForwardOn(ActiveAttentionPath(), c, q, k, v, key_mask, n, s, probs, keep, dropped, context);
}

void AttentionHeadsBackward(const TransformerConfig& c, const float* q, const float* k, const float* v, int n,
                            const float* probs, const float* keep, const float* dropped, const float* dcontext,
                            AttentionGradScratch* g, float* dq, float* dk, float* dv) {
  AttentionHeadsBackwardOn(ActiveAttentionPath(), c, q, k, v, n, probs, keep, dropped, dcontext, g, dq, dk, dv);
}

void SelfAttentionForward(const TransformerConfig& c, const LayerWeights& layer, const float* x,
                          const uint8_t* key_mask, int n, AttentionScratch* s, float* out) {
  DenseRowsForward(x, n, layer.query, s->q.data());
  DenseRowsForward(x, n, layer.key, s->k.data());
  DenseRowsForward(x, n, layer.value, s->v.data());
  AttentionHeadsForward(c, s->q.data(), s->k.data(), s->v.data(), key_mask, n, s, s->probs.data(),
                        s->dropout ? s->keep.data() : nullptr, s->dropout ? s->dropped.data() : nullptr,
                        s->context.data());
  DenseRowsForward(s->context.data(), n, layer.attention_output, out);
}

void SelfAttentionBackward(const TransformerConfig& c, const LayerWeights& layer, const float* x, int n,
                           const AttentionScratch& f, const float* dout, AttentionGradScratch* g, LayerWeights* grad,
                           float* dx, const LayerTransposes* t) {
  const long nh = static_cast<long>(n) * c.hidden;
  std::fill(g->dcontext.begin(), g->dcontext.begin() + nh, 0.0f);
  DenseRowsBackward(f.context.data(), n, layer.attention_output, dout, &grad->attention_output, g->dcontext.data(),
                    t ? t->attention_output.data() : nullptr);
  AttentionHeadsBackward(c, f.q.data(), f.k.data(), f.v.data(), n, f.probs.data(), f.dropout ? f.keep.data() : nullptr,
                         f.dropout ? f.dropped.data() : nullptr, g->dcontext.data(), g, g->dq.data(), g->dk.data(),
                         g->dv.data());
  DenseRowsBackward(x, n, layer.query, g->dq.data(), &grad->query, dx, t ? t->query.data() : nullptr);
  DenseRowsBackward(x, n, layer.key, g->dk.data(), &grad->key, dx, t ? t->key.data() : nullptr);
  DenseRowsBackward(x, n, layer.value, g->dv.data(), &grad->value, dx, t ? t->value.data() : nullptr);
}

}  // namespace transformer
}  // namespace ernie_slim
