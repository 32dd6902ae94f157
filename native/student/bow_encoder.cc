#include "bow_encoder.h"

#include "activations.h"
#include "dense.h"
#include "gemm.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

namespace {
// Indices into the encoder's parameters.
constexpr int kEmbedding = 0, kDense1W = 1, kDense1B = 2;

BowActivations& Of(EncoderActivations* a) { return *static_cast<BowActivations*>(a); }
}  // namespace

BowEncoder::BowEncoder(const Config& config)
    : embed_dim_(config.embed_dim),
      hidden_(config.hidden),
      embedding_rows_(config.embedding_rows()),
      quantized_embedding_(config.quantized_embedding),
      bag_{config.embed_dim, config.vocab_size, config.bigram_buckets} {}

std::vector<Parameter> BowEncoder::NewParameters(Random* rng) const {
  const int64_t E = embed_dim_, H = hidden_;
  std::vector<Parameter> params;
  if (quantized_embedding_) {
    // Every row zero until the model's QuantizedTable is set; no float table, no moments.
    Parameter embedding;
    embedding.name = "embedding";
    embedding.shape = {embedding_rows_, E};
    embedding.sparse = true;
    const std::vector<float> no_centroids(static_cast<size_t>(QuantizedTable::kCodebookSize) * E, 0.0f);
    embedding.quantized = std::make_shared<QuantizedTable>(embedding_rows_, embed_dim_, 1, nullptr, 0,
                                                           no_centroids.data(), nullptr, nullptr, nullptr);
    params.push_back(std::move(embedding));
  } else {
    params.push_back(NewEmbedding(embedding_rows_, embed_dim_, rng));
  }
  params.push_back(NewParameter("dense1.weight", {E, H}, true, false));
  params.push_back(NewParameter("dense1.bias", {H}, false, false));
  FillUniform(&params[kDense1W], GlorotLimit(E, H), rng);
  return params;
}

void BowEncoder::Bag(const Parameter& embedding, TokenSpan t, float* out) const {
  if (embedding.quantized) {
    bag_.Forward(*embedding.quantized, t.ids, t.n, out);
  } else {
    bag_.Forward(embedding.value.data(), t.ids, t.n, out);
  }
}

std::unique_ptr<EncoderActivations> BowEncoder::NewActivations() const {
  auto a = std::make_unique<BowActivations>();
  Reserve(a.get(), 1);
  return a;
}

void BowEncoder::Reserve(BowActivations* e, int rows) const {
  const size_t E = embed_dim_, H = hidden_, R = rows;
  Grow(e->bag, R * E);
  Grow(e->dbag, R * E);
  Grow(e->soft, R * E);
  Grow(e->dsoft, R * E);
  Grow(e->hidden, R * H);
  Grow(e->dhidden, R * H);
}

const float* BowEncoder::Forward(const Parameter* params, TokenSpan t, EncoderActivations* a) const {
  const int E = embed_dim_, H = hidden_;
  BowActivations& e = Of(a);
  Bag(params[kEmbedding], t, e.bag.data());
  SoftsignForward(e.bag.data(), e.soft.data(), E);
  DenseForward(e.soft.data(), params[kDense1W].value.data(), params[kDense1B].value.data(), E, H, e.hidden.data());
  TanhForward(e.hidden.data(), e.hidden.data(), H);
  return e.hidden.data();
}

float* BowEncoder::OutputGradient(EncoderActivations* a) const { return Of(a).dhidden.data(); }

void BowEncoder::Backward(const Parameter* params, TokenSpan t, EncoderActivations* a, EncoderGradients g) const {
  const int E = embed_dim_, H = hidden_;
  BowActivations& e = Of(a);
  TanhBackward(e.hidden.data(), e.dhidden.data(), e.dhidden.data(), H);
  DenseBackward(e.soft.data(), params[kDense1W].value.data(), e.dhidden.data(), E, H, g.dense[kDense1W].data(),
                g.dense[kDense1B].data(), e.dsoft.data());
  SoftsignBackward(e.bag.data(), e.dsoft.data(), e.dbag.data(), E);
  bag_.Backward(t.ids, t.n, e.dbag.data(), g.embedding);
}

const float* BowEncoder::ForwardRows(const Parameter* params, const TokenSpan* rows, int count,
                                     EncoderActivations* a) const {
  const int E = embed_dim_, H = hidden_;
  BowActivations& e = Of(a);
  Reserve(&e, count);
  float *bag = e.bag.data(), *soft = e.soft.data(), *hidden = e.hidden.data();
  const float *w1 = params[kDense1W].value.data(), *b1 = params[kDense1B].value.data();
  for (int r = 0; r < count; ++r) {
    Bag(params[kEmbedding], rows[r], bag + r * E);
    SoftsignForward(bag + r * E, soft + r * E, E);
    Copy(b1, hidden + r * H, H);
  }
  GemmAcc(count, H, E, soft, E, 1, w1, hidden);
  TanhForward(hidden, hidden, count * H);
  return hidden;
}

void BowEncoder::BackwardRows(const Parameter* params, const TokenSpan* rows, int count, EncoderActivations* a,
                              EncoderGradients g) const {
  const int E = embed_dim_, H = hidden_;
  BowActivations& e = Of(a);
  float *bag = e.bag.data(), *soft = e.soft.data(), *hidden = e.hidden.data();
  float *dhidden = e.dhidden.data(), *dsoft = e.dsoft.data();
  TanhBackward(hidden, dhidden, dhidden, count * H);
  // dense1: dW1 += soft^T dpre, db1 += sum dpre, dsoft = dpre W1^T
  GemmAcc(E, H, count, soft, 1, E, dhidden, g.dense[kDense1W].data());
  Zero(dsoft, count * E);
  GemmNTAcc(count, E, H, dhidden, params[kDense1W].value.data(), dsoft);
  float* db1 = g.dense[kDense1B].data();
  for (int r = 0; r < count; ++r) {
    AddTo(dhidden + r * H, db1, H);
    SoftsignBackward(bag + r * E, dsoft + r * E, dsoft + r * E, E);
    bag_.Backward(rows[r].ids, rows[r].n, dsoft + r * E, g.embedding);
  }
}

}  // namespace student
}  // namespace ernie_slim
