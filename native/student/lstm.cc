#include "lstm.h"

#include <cmath>

#include "activations.h"
#include "gemm.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

void LstmDirection::Forward(const float* x, int n, const float* w, const float* r, const float* b, float* gates,
                            float* cells, float* h) const {
  const int H = hidden, G = 4 * hidden;
  // Input projections of all steps at once: gates[t] = Wb + Rb + W x_t.
  for (int t = 0; t < n; ++t) {
    float* g = gates + static_cast<long>(t) * G;
    for (int j = 0; j < G; ++j) g[j] = b[j] + b[G + j];
  }
  GemmNTAcc(n, G, in, x, w, gates);
  const float* prev_h = nullptr;
  const float* prev_c = nullptr;
  for (int step = 0; step < n; ++step) {
    int t = reverse ? n - 1 - step : step;
    float* g = gates + static_cast<long>(t) * G;
    if (prev_h) GemmNTAcc(1, G, H, prev_h, r, g);  // g += R h_{t-1}
    SigmoidForward(g, g, 3 * H);
    TanhForward(g + 3 * H, g + 3 * H, H);
    const float* gi = g;
    const float* go = g + H;
    const float* gf = g + 2 * H;
    const float* gc = g + 3 * H;
    float* ct = cells + static_cast<long>(t) * H;
    float* ht = h + static_cast<long>(t) * H;
    for (int j = 0; j < H; ++j) ct[j] = gi[j] * gc[j] + (prev_c ? gf[j] * prev_c[j] : 0.0f);
    TanhForward(ct, ht, H);
    for (int j = 0; j < H; ++j) ht[j] *= go[j];
    prev_h = ht;
    prev_c = ct;
  }
}

void LstmDirection::Backward(const float* x, int n, const float* w, const float* r, const float* gates,
                             const float* cells, const float* h, const float* dh, float* dw, float* dr, float* db,
                             float* dx, float* dgates, float* scratch) const {
  const int H = hidden, G = 4 * hidden;
  float* dh_next = scratch;         // H: gradient flowing to h_prev
  float* dc_next = scratch + H;     // H: gradient flowing to C_prev
  float* tanh_c = scratch + 2 * H;  // H: tanh(C_t), recomputed as in Forward
  Zero(dh_next, H);
  Zero(dc_next, H);
  for (int step = n - 1; step >= 0; --step) {
    int t = reverse ? n - 1 - step : step;
    int tp = step == 0 ? -1 : (reverse ? t + 1 : t - 1);  // previous position in processing order
    const float* g = gates + static_cast<long>(t) * G;
    const float* gi = g;
    const float* go = g + H;
    const float* gf = g + 2 * H;
    const float* gc = g + 3 * H;
    const float* ct = cells + static_cast<long>(t) * H;
    const float* cp = tp >= 0 ? cells + static_cast<long>(tp) * H : nullptr;
    const float* dht = dh + static_cast<long>(t) * H;
    float* dg = dgates + static_cast<long>(t) * G;
    TanhForward(ct, tanh_c, H);
    for (int j = 0; j < H; ++j) {
      float d_h = dht[j] + dh_next[j];
      float tc = tanh_c[j];
      float d_c = d_h * go[j] * (1.0f - tc * tc) + dc_next[j];
      dg[j] = d_c * gc[j] * gi[j] * (1.0f - gi[j]);
      dg[H + j] = d_h * tc * go[j] * (1.0f - go[j]);
      dg[2 * H + j] = cp ? d_c * cp[j] * gf[j] * (1.0f - gf[j]) : 0.0f;
      dg[3 * H + j] = d_c * gi[j] * (1.0f - gc[j] * gc[j]);
      dc_next[j] = d_c * gf[j];
    }
    if (tp >= 0) {
      Zero(dh_next, H);
      for (int j = 0; j < G; ++j) Axpy(dg[j], r + static_cast<long>(j) * H, dh_next, H);
    }
  }
  // Weight gradients of all steps at once.
  for (int t = 0; t < n; ++t) {
    AddTo(dgates + static_cast<long>(t) * G, db, G);      // d Wb
    AddTo(dgates + static_cast<long>(t) * G, db + G, G);  // d Rb
  }
  GemmAcc(G, in, n, dgates, 1, G, x, dw);  // dW += dG^T X
  GemmAcc(n, in, G, dgates, G, 1, w, dx);  // dX += dG W
  if (n > 1) {
    // dR += sum_t dG[t]^T h_prev(t): forward pairs (t, t-1), reverse pairs (t, t+1)
    const float* dg_rows = reverse ? dgates : dgates + G;
    const float* h_rows = reverse ? h + H : h;
    GemmAcc(G, H, n - 1, dg_rows, 1, G, h_rows, dr);
  }
}

}  // namespace student
}  // namespace ernie_slim
