#include "cnn_encoder.h"

#include <algorithm>

#include "activations.h"
#include "conv1d.h"
#include "embedding_bag.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

namespace {
// Indices into the encoder's parameters.
constexpr int kEmbedding = 0, kConvW = 1, kConvB = 2;

CnnActivations& Of(EncoderActivations* a) { return *static_cast<CnnActivations*>(a); }
}  // namespace

CnnEncoder::CnnEncoder(const Config& config)
    : embed_dim_(config.embed_dim), hidden_(config.hidden), embedding_rows_(config.embedding_rows()) {}

std::vector<Parameter> CnnEncoder::NewParameters(Random* rng) const {
  const int64_t E = embed_dim_, H = hidden_;
  std::vector<Parameter> params;
  params.push_back(NewEmbedding(embedding_rows_, embed_dim_, rng));
  params.push_back(NewParameter("conv.weight", {kConvWidth, E, H}, true, false));
  params.push_back(NewParameter("conv.bias", {H}, false, false));
  FillUniform(&params[kConvW], GlorotLimit(kConvWidth * E, H), rng);
  return params;
}

std::unique_ptr<EncoderActivations> CnnEncoder::NewActivations() const {
  auto a = std::make_unique<CnnActivations>();
  Reserve(a.get(), 16);
  return a;
}

void CnnEncoder::Reserve(CnnActivations* e, int n) const {
  const size_t E = embed_dim_, H = hidden_, N = std::max(n, 1);
  Grow(e->x, N * E);
  Grow(e->dx, N * E);
  Grow(e->conv, N * H);
  Grow(e->dconv, N * H);
  Grow(e->pooled, H);
  Grow(e->dpooled, H);
  Grow(e->output, H);
  Grow(e->doutput, H);
}

const float* CnnEncoder::Forward(const Parameter* params, TokenSpan t, EncoderActivations* a) const {
  const int E = embed_dim_, H = hidden_, n = t.n;
  CnnActivations& e = Of(a);
  Reserve(&e, n);
  EmbeddingGather(params[kEmbedding].value.data(), E, t.ids, n, e.x.data());
  Conv1dForward(e.x.data(), n, params[kConvW].value.data(), params[kConvB].value.data(), E, H, e.conv.data());
  ReluForward(e.conv.data(), n * H);
  float* pooled = e.pooled.data();
  Zero(pooled, H);
  for (int k = 0; k < n; ++k) AddTo(e.conv.data() + static_cast<long>(k) * H, pooled, H);
  SoftsignForward(pooled, e.output.data(), H);
  return e.output.data();
}

float* CnnEncoder::OutputGradient(EncoderActivations* a) const { return Of(a).doutput.data(); }

void CnnEncoder::Backward(const Parameter* params, TokenSpan t, EncoderActivations* a, EncoderGradients g) const {
  const int E = embed_dim_, H = hidden_, n = t.n;
  CnnActivations& e = Of(a);
  SoftsignBackward(e.pooled.data(), e.doutput.data(), e.dpooled.data(), H);
  for (int k = 0; k < n; ++k) {
    float* dck = e.dconv.data() + static_cast<long>(k) * H;
    Copy(e.dpooled.data(), dck, H);
    ReluBackward(e.conv.data() + static_cast<long>(k) * H, dck, H);
  }
  Conv1dBackward(e.x.data(), n, params[kConvW].value.data(), e.dconv.data(), E, H, g.dense[kConvW].data(),
                 g.dense[kConvB].data(), e.dx.data());
  EmbeddingScatter(t.ids, n, e.dx.data(), g.embedding);
}

}  // namespace student
}  // namespace ernie_slim
