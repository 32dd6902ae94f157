#include "model.h"

#include <algorithm>
#include <cmath>

#include "activations.h"
#include "adamw.h"
#include "conv1d.h"
#include "dense.h"
#include "embedding_bag.h"
#include "gemm.h"
#include "lstm.h"
#include "match_features.h"
#include "util/random.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

namespace {
// Parameter indices of the encoders (the order of Model::params_); the head follows at Model::head_.
constexpr int kEmbedding = 0;
constexpr int kBowDense1W = 1, kBowDense1B = 2;
constexpr int kCnnConvW = 1, kCnnConvB = 2;
constexpr int kLstmW = 1, kLstmR = 2, kLstmB = 3;

template <typename T>
void Grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}
}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kBow: return "bow";
    case Kind::kCnn: return "cnn";
    case Kind::kLstm: return "lstm";
  }
  return "?";
}

bool ParseKind(const std::string& name, Kind* kind) {
  if (name == "bow") *kind = Kind::kBow;
  else if (name == "cnn") *kind = Kind::kCnn;
  else if (name == "lstm") *kind = Kind::kLstm;
  else return false;
  return true;
}

std::string Config::Validate() const {
  if (vocab_size < 2) return "vocabSize must be at least 2 ([PAD] and [UNK])";
  if (bigram_buckets < 0) return "bigramBuckets must be >= 0";
  if (bigram_buckets > 0 && kind != Kind::kBow) return "bigramBuckets is only supported by the bow student";
  if (embedding_rows() > 0x7fffffffLL) return "vocabSize + bigramBuckets must fit in int32";
  if (embed_dim < 1 || embed_dim > 65536) return "embDim must be in 1..65536";
  if (hidden < 1 || hidden > 65536) return "hidden must be in 1..65536";
  if (num_labels < 2 || num_labels > 65536) return "numLabels must be in 2..65536";
  if (match_hidden < 0 || match_hidden > 65536) return "matchHidden must be in 0..65536";
  if (match_hidden > 0 && !pair) return "matchHidden applies to pair models only";
  return "";
}

// ---------------------------------------------------------------------------------------------- State

State::State(const Model& model, bool training) {
  const Config& c = model.config();
  const auto& params = model.parameters();
  if (training) {
    grads.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i].sparse) grads[i].assign(params[i].size(), 0.0f);
    }
    embedding_grad.Reset(c.embedding_rows(), c.embed_dim);
  }
  logits.assign(c.num_labels, 0.0f);
  dlogits.assign(c.num_labels, 0.0f);
  loss_scratch.assign(2 * c.num_labels, 0.0f);
  Reserve(model, 0, 16);
  if (c.pair) {
    Reserve(model, 1, 16);
    features.assign(4 * c.encoded_width(), 0.0f);
    dfeatures.assign(4 * c.encoded_width(), 0.0f);
    match.assign(c.match_hidden, 0.0f);
    dmatch.assign(c.match_hidden, 0.0f);
  }
}

void State::Reserve(const Model& model, int tower, int n) {
  const Config& cfg = model.config();
  const size_t E = cfg.embed_dim, H = cfg.hidden, N = std::max(n, 1);
  EncoderActivations& e = towers[tower];
  switch (cfg.kind) {
    case Kind::kBow:
      Grow(e.a, E); Grow(e.da, E); Grow(e.b, E); Grow(e.db, E); Grow(e.c, H); Grow(e.dc, H);
      break;
    case Kind::kCnn:
      Grow(e.x, N * E); Grow(e.dx, N * E); Grow(e.a, N * H); Grow(e.da, N * H);
      Grow(e.c, H); Grow(e.dc, H); Grow(e.d, H); Grow(e.dd, H);
      break;
    case Kind::kLstm:
      Grow(e.x, N * E); Grow(e.dx, N * E); Grow(e.a, 2 * N * 4 * H); Grow(e.da, N * 4 * H); Grow(e.b, 2 * N * H);
      Grow(e.c, 2 * N * H); Grow(e.dc, 2 * N * H); Grow(e.d, 2 * H); Grow(e.dd, 2 * H); Grow(e.argmax, 2 * H);
      Grow(e.lstm_scratch, 6 * H);
      break;
  }
  Grow(e.mask, cfg.encoded_width()); Grow(e.dropped, cfg.encoded_width());
}

// Inverted dropout's mask: each of n units kept (1/(1-p)) or dropped (0), drawn from rng.
static void DrawDropoutMask(float p, Random* rng, int n, float* mask) {
  const float keep = 1.0f / (1.0f - p);
  for (int j = 0; j < n; ++j) mask[j] = rng->Unit() < p ? 0.0f : keep;
}

void State::ZeroGradients() {
  for (auto& g : grads) std::fill(g.begin(), g.end(), 0.0f);
  embedding_grad.Clear();
}

double State::GradientSquaredNorm() const {
  double sum = 0.0;
  for (const auto& g : grads) sum += SquaredNorm(g.data(), static_cast<int>(g.size()));
  for (size_t i = 0; i < embedding_grad.size(); ++i) sum += SquaredNorm(embedding_grad.values(i), embedding_grad.dim());
  return sum;
}

// ---------------------------------------------------------------------------------------------- Model

Model::Model(const Config& config) : config_(config) { Init(); }

int Model::FindParameter(const std::string& name) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void Model::Init() {
  const int64_t E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  const int64_t D = config_.encoded_width(), M = config_.match_hidden;
  auto add = [&](const char* name, std::vector<int64_t> shape, bool decay, bool sparse) {
    Parameter p;
    p.name = name;
    p.shape = std::move(shape);
    int64_t size = 1;
    for (int64_t d : p.shape) size *= d;
    p.value.assign(size, 0.0f);
    if (sparse) {
      p.m.assign(2 * size, 0.0f);
    } else {
      p.m.assign(size, 0.0f);
      p.v.assign(size, 0.0f);
    }
    p.decay = decay;
    p.sparse = sparse;
    params_.push_back(std::move(p));
  };
  add("embedding", {config_.embedding_rows(), E}, false, true);
  switch (config_.kind) {
    case Kind::kBow:
      add("dense1.weight", {E, H}, true, false);
      add("dense1.bias", {H}, false, false);
      break;
    case Kind::kCnn:
      add("conv.weight", {kConvWidth, E, H}, true, false);
      add("conv.bias", {H}, false, false);
      break;
    case Kind::kLstm:
      add("lstm.W", {2, 4 * H, E}, true, false);
      add("lstm.R", {2, 4 * H, H}, true, false);
      add("lstm.B", {2, 8 * H}, false, false);
      break;
  }
  head_ = static_cast<int>(params_.size());
  if (!config_.pair) {
    const char* prefix = config_.kind == Kind::kBow ? "dense2" : "dense";
    add((std::string(prefix) + ".weight").c_str(), {D, L}, true, false);
    add((std::string(prefix) + ".bias").c_str(), {L}, false, false);
  } else {
    if (M > 0) {
      add("match.weight", {4 * D, M}, true, false);
      add("match.bias", {M}, false, false);
    }
    add("classifier.weight", {M > 0 ? M : 4 * D, L}, true, false);
    add("classifier.bias", {L}, false, false);
  }

  Random rng(config_.seed);
  auto uniform = [&](Parameter& p, float limit) {
    for (float& w : p.value) w = rng.Uniform(-limit, limit);
  };
  Parameter& emb = params_[kEmbedding];
  uniform(emb, 0.1f);
  std::fill(emb.value.begin(), emb.value.begin() + E, 0.0f);  // [PAD]
  auto glorot = [](int64_t fan_in, int64_t fan_out) {
    return static_cast<float>(std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)));
  };
  switch (config_.kind) {
    case Kind::kBow:
      uniform(params_[kBowDense1W], glorot(E, H));
      break;
    case Kind::kCnn:
      uniform(params_[kCnnConvW], glorot(kConvWidth * E, H));
      break;
    case Kind::kLstm: {
      float limit = static_cast<float>(1.0 / std::sqrt(static_cast<double>(H)));
      uniform(params_[kLstmW], limit);
      uniform(params_[kLstmR], limit);
      // Forget-gate bias 1 (Wb_f of each direction): remember by default.
      float* bias = params_[kLstmB].value.data();
      for (int d = 0; d < 2; ++d) std::fill(bias + d * 8 * H + 2 * H, bias + d * 8 * H + 3 * H, 1.0f);
      break;
    }
  }
  if (config_.pair && M > 0) {
    uniform(params_[head_], glorot(4 * D, M));
    uniform(params_[head_ + 2], glorot(M, L));
  } else {
    uniform(params_[head_], glorot(config_.pair ? 4 * D : D, L));
  }
}

// ---------------------------------------------------------------------------------------------- encoders

const float* Model::Encode(TokenSpan t, int tower, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, n = t.n;
  const int32_t* ids = t.ids;
  s->Reserve(*this, tower, n);
  EncoderActivations& e = s->towers[tower];
  const float* table = params_[kEmbedding].value.data();
  switch (config_.kind) {
    case Kind::kBow: {
      EmbeddingBag bag{E, config_.vocab_size, config_.bigram_buckets};
      bag.Forward(table, ids, n, e.a.data());
      SoftsignForward(e.a.data(), e.b.data(), E);
      DenseForward(e.b.data(), params_[kBowDense1W].value.data(), params_[kBowDense1B].value.data(), E, H, e.c.data());
      TanhForward(e.c.data(), e.c.data(), H);
      return e.c.data();
    }
    case Kind::kCnn: {
      EmbeddingGather(table, E, ids, n, e.x.data());
      Conv1dForward(e.x.data(), n, params_[kCnnConvW].value.data(), params_[kCnnConvB].value.data(), E, H, e.a.data());
      ReluForward(e.a.data(), n * H);
      float* pooled = e.c.data();
      Zero(pooled, H);
      for (int k = 0; k < n; ++k) AddTo(e.a.data() + static_cast<long>(k) * H, pooled, H);
      SoftsignForward(pooled, e.d.data(), H);
      return e.d.data();
    }
    case Kind::kLstm: {
      EmbeddingGather(table, E, ids, n, e.x.data());
      float* pooled = e.d.data();
      for (int dir = 0; dir < 2; ++dir) {
        LstmDirection lstm{E, H, dir == 1};
        const long gates_off = static_cast<long>(dir) * n * 4 * H, seq_off = static_cast<long>(dir) * n * H;
        lstm.Forward(e.x.data(), n, params_[kLstmW].value.data() + static_cast<long>(dir) * 4 * H * E,
                     params_[kLstmR].value.data() + static_cast<long>(dir) * 4 * H * H,
                     params_[kLstmB].value.data() + static_cast<long>(dir) * 8 * H, e.a.data() + gates_off,
                     e.b.data() + seq_off, e.c.data() + seq_off);
        float* p = pooled + dir * H;
        int32_t* arg = e.argmax.data() + dir * H;
        if (n == 0) {
          Zero(p, H);
          for (int j = 0; j < H; ++j) arg[j] = -1;
          continue;
        }
        const float* h = e.c.data() + seq_off;
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
  }
  return nullptr;
}

float* Model::EncodedGradient(int tower, State* s) const {
  EncoderActivations& e = s->towers[tower];
  return config_.kind == Kind::kBow ? e.dc.data() : e.dd.data();
}

const float* Model::DropFeatures(const float* u, int tower, State* s) const {
  if (!(s->feature_dropout > 0.0f) || s->dropout_rng == nullptr) return u;
  const int D = config_.encoded_width();
  EncoderActivations& e = s->towers[tower];
  DrawDropoutMask(s->feature_dropout, s->dropout_rng, D, e.mask.data());
  for (int j = 0; j < D; ++j) e.dropped[j] = u[j] * e.mask[j];
  return e.dropped.data();
}

void Model::MaskEncodedGradient(int tower, State* s) const {
  if (!(s->feature_dropout > 0.0f) || s->dropout_rng == nullptr) return;
  const int D = config_.encoded_width();
  float* g = EncodedGradient(tower, s);
  const float* mask = s->towers[tower].mask.data();
  for (int j = 0; j < D; ++j) g[j] *= mask[j];
}

void Model::EncodeBackward(TokenSpan t, int tower, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, n = t.n;
  const int32_t* ids = t.ids;
  EncoderActivations& e = s->towers[tower];
  switch (config_.kind) {
    case Kind::kBow: {
      TanhBackward(e.c.data(), e.dc.data(), e.dc.data(), H);
      DenseBackward(e.b.data(), params_[kBowDense1W].value.data(), e.dc.data(), E, H, s->grads[kBowDense1W].data(),
                    s->grads[kBowDense1B].data(), e.db.data());
      SoftsignBackward(e.a.data(), e.db.data(), e.da.data(), E);
      EmbeddingBag bag{E, config_.vocab_size, config_.bigram_buckets};
      bag.Backward(ids, n, e.da.data(), &s->embedding_grad);
      return;
    }
    case Kind::kCnn: {
      SoftsignBackward(e.c.data(), e.dd.data(), e.dc.data(), H);
      for (int k = 0; k < n; ++k) {
        float* dck = e.da.data() + static_cast<long>(k) * H;
        Copy(e.dc.data(), dck, H);
        ReluBackward(e.a.data() + static_cast<long>(k) * H, dck, H);
      }
      Conv1dBackward(e.x.data(), n, params_[kCnnConvW].value.data(), e.da.data(), E, H, s->grads[kCnnConvW].data(),
                     s->grads[kCnnConvB].data(), e.dx.data());
      EmbeddingScatter(ids, n, e.dx.data(), &s->embedding_grad);
      return;
    }
    case Kind::kLstm: {
      if (n == 0) return;
      Zero(e.dx.data(), n * E);
      for (int dir = 0; dir < 2; ++dir) {
        const long gates_off = static_cast<long>(dir) * n * 4 * H, seq_off = static_cast<long>(dir) * n * H;
        float* dh = e.dc.data() + seq_off;
        Zero(dh, n * H);
        const int32_t* arg = e.argmax.data() + dir * H;
        for (int j = 0; j < H; ++j) dh[static_cast<long>(arg[j]) * H + j] = e.dd[dir * H + j];
        LstmDirection lstm{E, H, dir == 1};
        lstm.Backward(e.x.data(), n, params_[kLstmW].value.data() + static_cast<long>(dir) * 4 * H * E,
                      params_[kLstmR].value.data() + static_cast<long>(dir) * 4 * H * H, e.a.data() + gates_off,
                      e.b.data() + seq_off, e.c.data() + seq_off, dh,
                      s->grads[kLstmW].data() + static_cast<long>(dir) * 4 * H * E,
                      s->grads[kLstmR].data() + static_cast<long>(dir) * 4 * H * H,
                      s->grads[kLstmB].data() + static_cast<long>(dir) * 8 * H, e.dx.data(), e.da.data(),
                      e.lstm_scratch.data());
      }
      EmbeddingScatter(ids, n, e.dx.data(), &s->embedding_grad);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------- heads

void Model::Head(const float* u, const float* v, State* s) const {
  const int D = config_.encoded_width(), M = config_.match_hidden, L = config_.num_labels;
  const float *w = params_[head_].value.data(), *b = params_[head_ + 1].value.data();
  if (!config_.pair) {
    DenseForward(u, w, b, D, L, s->logits.data());
    return;
  }
  MatchFeaturesForward(u, v, D, s->features.data());
  if (M == 0) {
    DenseForward(s->features.data(), w, b, 4 * D, L, s->logits.data());
    return;
  }
  DenseForward(s->features.data(), w, b, 4 * D, M, s->match.data());
  TanhForward(s->match.data(), s->match.data(), M);
  DenseForward(s->match.data(), params_[head_ + 2].value.data(), params_[head_ + 3].value.data(), M, L,
               s->logits.data());
}

void Model::HeadBackward(const float* u, const float* v, State* s) const {
  const int D = config_.encoded_width(), M = config_.match_hidden, L = config_.num_labels;
  const float* w = params_[head_].value.data();
  float *gw = s->grads[head_].data(), *gb = s->grads[head_ + 1].data();
  if (!config_.pair) {
    DenseBackward(u, w, s->dlogits.data(), D, L, gw, gb, EncodedGradient(0, s));
    return;
  }
  if (M == 0) {
    DenseBackward(s->features.data(), w, s->dlogits.data(), 4 * D, L, gw, gb, s->dfeatures.data());
  } else {
    DenseBackward(s->match.data(), params_[head_ + 2].value.data(), s->dlogits.data(), M, L, s->grads[head_ + 2].data(),
                  s->grads[head_ + 3].data(), s->dmatch.data());
    TanhBackward(s->match.data(), s->dmatch.data(), s->dmatch.data(), M);
    DenseBackward(s->features.data(), w, s->dmatch.data(), 4 * D, M, gw, gb, s->dfeatures.data());
  }
  MatchFeaturesBackward(u, v, s->dfeatures.data(), D, EncodedGradient(0, s), EncodedGradient(1, s));
}

// ---------------------------------------------------------------------------------------------- bow batched

double Model::BowForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                                      State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  const size_t B = count;
  Grow(s->batch_bag, B * E); Grow(s->batch_soft, B * E); Grow(s->batch_dsoft, B * E);
  Grow(s->batch_hidden, B * H); Grow(s->batch_dhidden, B * H);
  Grow(s->batch_logits, B * L); Grow(s->batch_dlogits, B * L);
  float *bag = s->batch_bag.data(), *soft = s->batch_soft.data(), *hidden = s->batch_hidden.data();
  float *logits = s->batch_logits.data(), *dlogits = s->batch_dlogits.data();
  float *dhidden = s->batch_dhidden.data(), *dsoft = s->batch_dsoft.data();
  const float *w1 = params_[kBowDense1W].value.data(), *b1 = params_[kBowDense1B].value.data();
  const float *w2 = params_[head_].value.data(), *b2 = params_[head_ + 1].value.data();
  EmbeddingBag embedding_bag{E, config_.vocab_size, config_.bigram_buckets};

  for (int r = 0; r < count; ++r) {
    embedding_bag.Forward(params_[kEmbedding].value.data(), rows[r].a.ids, rows[r].a.n, bag + r * E);
    SoftsignForward(bag + r * E, soft + r * E, E);
    Copy(b1, hidden + r * H, H);
    Copy(b2, logits + r * L, L);
  }
  GemmAcc(count, H, E, soft, E, 1, w1, hidden);
  TanhForward(hidden, hidden, count * H);
  // Feature dropout: the head reads hidden times a mask; tanh's backward still needs hidden itself.
  const bool drop = s->feature_dropout > 0.0f && s->dropout_rng != nullptr;
  const float* head_in = hidden;
  if (drop) {
    Grow(s->batch_mask, B * H); Grow(s->batch_dropped, B * H);
    DrawDropoutMask(s->feature_dropout, s->dropout_rng, count * H, s->batch_mask.data());
    for (size_t j = 0; j < B * H; ++j) s->batch_dropped[j] = hidden[j] * s->batch_mask[j];
    head_in = s->batch_dropped.data();
  }
  GemmAcc(count, L, H, head_in, H, 1, w2, logits);

  double loss = 0.0;
  for (int r = 0; r < count; ++r) {
    loss += DistillationLoss(logits + r * L, L, rows[r].target, options, weight, dlogits + r * L,
                             s->loss_scratch.data());
  }

  // dense2: dW2 += hidden^T dlogits, db2 += sum dlogits, dhidden = dlogits W2^T
  GemmAcc(H, L, count, head_in, 1, H, dlogits, s->grads[head_].data());
  Zero(dhidden, count * H);
  GemmNTAcc(count, H, L, dlogits, w2, dhidden);
  if (drop) {
    for (size_t j = 0; j < B * H; ++j) dhidden[j] *= s->batch_mask[j];
  }
  TanhBackward(hidden, dhidden, dhidden, count * H);
  // dense1: dW1 += soft^T dpre, db1 += sum dpre, dsoft = dpre W1^T
  GemmAcc(E, H, count, soft, 1, E, dhidden, s->grads[kBowDense1W].data());
  Zero(dsoft, count * E);
  GemmNTAcc(count, E, H, dhidden, w1, dsoft);
  float* db1 = s->grads[kBowDense1B].data();
  float* db2 = s->grads[head_ + 1].data();
  for (int r = 0; r < count; ++r) {
    AddTo(dlogits + r * L, db2, L);
    AddTo(dhidden + r * H, db1, H);
    SoftsignBackward(bag + r * E, dsoft + r * E, dsoft + r * E, E);
    embedding_bag.Backward(rows[r].a.ids, rows[r].a.n, dsoft + r * E, &s->embedding_grad);
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------- common

const float* Model::Forward(TokenSpan a, TokenSpan b, State* s) const {
  const float* u = Encode(a, 0, s);
  const float* v = config_.pair ? Encode(b, 1, s) : nullptr;
  Head(u, v, s);
  return s->logits.data();
}

float Model::ForwardBackward(const RowRef& row, const LossOptions& options, float weight, State* s) const {
  if (config_.kind == Kind::kBow && !config_.pair) {
    return static_cast<float>(BowForwardBackwardBatch(&row, 1, options, weight, s));
  }
  const float* u = DropFeatures(Encode(row.a, 0, s), 0, s);
  const float* v = config_.pair ? DropFeatures(Encode(row.b, 1, s), 1, s) : nullptr;
  Head(u, v, s);
  float loss = DistillationLoss(s->logits.data(), config_.num_labels, row.target, options, weight, s->dlogits.data(),
                                s->loss_scratch.data());
  HeadBackward(u, v, s);
  MaskEncodedGradient(0, s);
  EncodeBackward(row.a, 0, s);
  if (config_.pair) {
    MaskEncodedGradient(1, s);
    EncodeBackward(row.b, 1, s);
  }
  return loss;
}

double Model::ForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                                   State* state) const {
  if (config_.kind == Kind::kBow && !config_.pair) return BowForwardBackwardBatch(rows, count, options, weight, state);
  double loss = 0.0;
  for (int r = 0; r < count; ++r) loss += ForwardBackward(rows[r], options, weight, state);
  return loss;
}

bool Model::ApplyAdamW(const State& state, int64_t step, float lr, float weight_decay, float grad_scale) {
  AdamWStep adam(lr, weight_decay, grad_scale, step);
  bool ok = true;
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = params_[i];
    if (p.sparse) {
      const SparseRowGradient& g = state.embedding_grad;
      const size_t dim = g.dim();
      constexpr size_t kAhead = 2;
      for (size_t k = 0; k < g.size(); ++k) {
        if (k + kAhead < g.size()) {
          size_t next = static_cast<size_t>(g.row(k + kAhead));
          Prefetch(p.value.data() + next * dim, static_cast<int>(dim));
          Prefetch(p.m.data() + 2 * next * dim, static_cast<int>(2 * dim));
        }
        size_t row = static_cast<size_t>(g.row(k));
        float* mv = p.m.data() + 2 * row * dim;
        ok &= AdamWUpdate(p.value.data() + row * dim, mv, mv + dim, g.values(k), dim, adam, false);
      }
    } else {
      ok &= AdamWUpdate(p.value.data(), p.m.data(), p.v.data(), state.grads[i].data(), p.size(), adam, p.decay);
    }
  }
  return ok;
}

}  // namespace student
}  // namespace ernie_slim
