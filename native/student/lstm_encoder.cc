#include "lstm_encoder.h"

#include <algorithm>
#include <cmath>

#include "embedding_bag.h"
#include "lstm.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

namespace {
// Indices into the encoder's parameters.
constexpr int kEmbedding = 0, kLstmW = 1, kLstmR = 2, kLstmB = 3;

LstmActivations& Of(EncoderActivations* a) { return *static_cast<LstmActivations*>(a); }
}  // namespace

LstmEncoder::LstmEncoder(const Config& config)
    : embed_dim_(config.embed_dim), hidden_(config.hidden), embedding_rows_(config.embedding_rows()) {}

std::vector<Parameter> LstmEncoder::NewParameters(Random* rng) const {
  const int64_t E = embed_dim_, H = hidden_;
  std::vector<Parameter> params;
  params.push_back(NewEmbedding(embedding_rows_, embed_dim_, rng));
  params.push_back(NewParameter("lstm.W", {2, 4 * H, E}, true, false));
  params.push_back(NewParameter("lstm.R", {2, 4 * H, H}, true, false));
  params.push_back(NewParameter("lstm.B", {2, 8 * H}, false, false));
  const float limit = static_cast<float>(1.0 / std::sqrt(static_cast<double>(H)));
  FillUniform(&params[kLstmW], limit, rng);
  FillUniform(&params[kLstmR], limit, rng);
  float* bias = params[kLstmB].value.data();
  for (int d = 0; d < 2; ++d) std::fill(bias + d * 8 * H + 2 * H, bias + d * 8 * H + 3 * H, 1.0f);
  return params;
}

std::unique_ptr<EncoderActivations> LstmEncoder::NewActivations() const {
  auto a = std::make_unique<LstmActivations>();
  Reserve(a.get(), 16);
  return a;
}

void LstmEncoder::Reserve(LstmActivations* e, int n) const {
  const size_t E = embed_dim_, H = hidden_, N = std::max(n, 1);
  Grow(e->x, N * E);
  Grow(e->dx, N * E);
  Grow(e->gates, 2 * N * 4 * H);
  Grow(e->dgates, N * 4 * H);
  Grow(e->cells, 2 * N * H);
  Grow(e->h, 2 * N * H);
  Grow(e->dh, 2 * N * H);
  Grow(e->pooled, 2 * H);
  Grow(e->dpooled, 2 * H);
  Grow(e->argmax, 2 * H);
  Grow(e->scratch, 3 * H);
}

const float* LstmEncoder::Forward(const Parameter* params, TokenSpan t, EncoderActivations* a) const {
  const int E = embed_dim_, H = hidden_, n = t.n;
  LstmActivations& e = Of(a);
  Reserve(&e, n);
  EmbeddingGather(params[kEmbedding].value.data(), E, t.ids, n, e.x.data());
  float* pooled = e.pooled.data();
  for (int dir = 0; dir < 2; ++dir) {
    LstmDirection lstm{E, H, dir == 1};
    const long gates_off = static_cast<long>(dir) * n * 4 * H, seq_off = static_cast<long>(dir) * n * H;
    lstm.Forward(e.x.data(), n, params[kLstmW].value.data() + static_cast<long>(dir) * 4 * H * E,
                 params[kLstmR].value.data() + static_cast<long>(dir) * 4 * H * H,
                 params[kLstmB].value.data() + static_cast<long>(dir) * 8 * H, e.gates.data() + gates_off,
                 e.cells.data() + seq_off, e.h.data() + seq_off);
    float* p = pooled + dir * H;
    int32_t* arg = e.argmax.data() + dir * H;
    if (n == 0) {
      Zero(p, H);
      for (int j = 0; j < H; ++j) arg[j] = -1;
      continue;
    }
    const float* h = e.h.data() + seq_off;
    Copy(h, p, H);
    for (int j = 0; j < H; ++j) arg[j] = 0;
    for (int k = 1; k < n; ++k) {
      const float* hk = h + static_cast<long>(k) * H;
      for (int j = 0; j < H; ++j) {
        if (hk[j] > p[j]) {
          p[j] = hk[j];
          arg[j] = k;
        }
      }
    }
  }
  return pooled;
}

float* LstmEncoder::OutputGradient(EncoderActivations* a) const { return Of(a).dpooled.data(); }

void LstmEncoder::Backward(const Parameter* params, TokenSpan t, EncoderActivations* a, EncoderGradients g) const {
  const int E = embed_dim_, H = hidden_, n = t.n;
  LstmActivations& e = Of(a);
  if (n == 0) return;
  Zero(e.dx.data(), n * E);
  for (int dir = 0; dir < 2; ++dir) {
    const long gates_off = static_cast<long>(dir) * n * 4 * H, seq_off = static_cast<long>(dir) * n * H;
    // The max passes its gradient to the time step it came from.
    float* dh = e.dh.data() + seq_off;
    Zero(dh, n * H);
    const int32_t* arg = e.argmax.data() + dir * H;
    for (int j = 0; j < H; ++j) dh[static_cast<long>(arg[j]) * H + j] = e.dpooled[dir * H + j];
    LstmDirection lstm{E, H, dir == 1};
    lstm.Backward(
        e.x.data(), n, params[kLstmW].value.data() + static_cast<long>(dir) * 4 * H * E,
        params[kLstmR].value.data() + static_cast<long>(dir) * 4 * H * H, e.gates.data() + gates_off,
        e.cells.data() + seq_off, e.h.data() + seq_off, dh, g.dense[kLstmW].data() + static_cast<long>(dir) * 4 * H * E,
        g.dense[kLstmR].data() + static_cast<long>(dir) * 4 * H * H,
        g.dense[kLstmB].data() + static_cast<long>(dir) * 8 * H, e.dx.data(), e.dgates.data(), e.scratch.data());
  }
  EmbeddingScatter(t.ids, n, e.dx.data(), g.embedding);
}

}  // namespace student
}  // namespace ernie_slim
