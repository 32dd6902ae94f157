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
#include "util/random.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

namespace {
// Parameter indices per kind (the order of Model::params_).
constexpr int kEmbedding = 0;
constexpr int kBowDense1W = 1, kBowDense1B = 2, kBowDense2W = 3, kBowDense2B = 4;
constexpr int kCnnConvW = 1, kCnnConvB = 2, kCnnDenseW = 3, kCnnDenseB = 4;
constexpr int kLstmW = 1, kLstmR = 2, kLstmB = 3, kLstmDenseW = 4, kLstmDenseB = 5;

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
  Reserve(model, 16);
}

void State::Reserve(const Model& model, int n) {
  const Config& cfg = model.config();
  const size_t E = cfg.embed_dim, H = cfg.hidden, N = std::max(n, 1);
  switch (cfg.kind) {
    case Kind::kBow:
      Grow(a, E); Grow(da, E); Grow(b, E); Grow(db, E); Grow(c, H); Grow(dc, H);
      break;
    case Kind::kCnn:
      Grow(x, N * E); Grow(dx, N * E); Grow(a, N * H); Grow(da, N * H);
      Grow(c, H); Grow(dc, H); Grow(d, H); Grow(dd, H);
      break;
    case Kind::kLstm:
      Grow(x, N * E); Grow(dx, N * E); Grow(a, 2 * N * 4 * H); Grow(da, N * 4 * H); Grow(b, 2 * N * H);
      Grow(c, 2 * N * H); Grow(dc, 2 * N * H); Grow(d, 2 * H); Grow(dd, 2 * H); Grow(argmax, 2 * H);
      Grow(lstm_scratch, 6 * H);
      break;
  }
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
      add("dense2.weight", {H, L}, true, false);
      add("dense2.bias", {L}, false, false);
      break;
    case Kind::kCnn:
      add("conv.weight", {kConvWidth, E, H}, true, false);
      add("conv.bias", {H}, false, false);
      add("dense.weight", {H, L}, true, false);
      add("dense.bias", {L}, false, false);
      break;
    case Kind::kLstm:
      add("lstm.W", {2, 4 * H, E}, true, false);
      add("lstm.R", {2, 4 * H, H}, true, false);
      add("lstm.B", {2, 8 * H}, false, false);
      add("dense.weight", {2 * H, L}, true, false);
      add("dense.bias", {L}, false, false);
      break;
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
      uniform(params_[kBowDense2W], glorot(H, L));
      break;
    case Kind::kCnn:
      uniform(params_[kCnnConvW], glorot(kConvWidth * E, H));
      uniform(params_[kCnnDenseW], glorot(H, L));
      break;
    case Kind::kLstm: {
      float limit = static_cast<float>(1.0 / std::sqrt(static_cast<double>(H)));
      uniform(params_[kLstmW], limit);
      uniform(params_[kLstmR], limit);
      // Forget-gate bias 1 (Wb_f of each direction): remember by default.
      float* bias = params_[kLstmB].value.data();
      for (int d = 0; d < 2; ++d) std::fill(bias + d * 8 * H + 2 * H, bias + d * 8 * H + 3 * H, 1.0f);
      uniform(params_[kLstmDenseW], glorot(2 * H, L));
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------- bow

void Model::BowForward(const int32_t* ids, int n, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  EmbeddingBag bag{E, config_.vocab_size, config_.bigram_buckets};
  bag.Forward(params_[kEmbedding].value.data(), ids, n, s->a.data());
  SoftsignForward(s->a.data(), s->b.data(), E);
  DenseForward(s->b.data(), params_[kBowDense1W].value.data(), params_[kBowDense1B].value.data(), E, H, s->c.data());
  TanhForward(s->c.data(), s->c.data(), H);
  DenseForward(s->c.data(), params_[kBowDense2W].value.data(), params_[kBowDense2B].value.data(), H, L,
               s->logits.data());
}

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
  const float *w2 = params_[kBowDense2W].value.data(), *b2 = params_[kBowDense2B].value.data();
  EmbeddingBag embedding_bag{E, config_.vocab_size, config_.bigram_buckets};

  for (int r = 0; r < count; ++r) {
    embedding_bag.Forward(params_[kEmbedding].value.data(), rows[r].ids, rows[r].n, bag + r * E);
    SoftsignForward(bag + r * E, soft + r * E, E);
    Copy(b1, hidden + r * H, H);
    Copy(b2, logits + r * L, L);
  }
  GemmAcc(count, H, E, soft, E, 1, w1, hidden);
  TanhForward(hidden, hidden, count * H);
  GemmAcc(count, L, H, hidden, H, 1, w2, logits);

  double loss = 0.0;
  for (int r = 0; r < count; ++r) {
    loss += DistillationLoss(logits + r * L, L, rows[r].target, options, weight, dlogits + r * L,
                             s->loss_scratch.data());
  }

  // dense2: dW2 += hidden^T dlogits, db2 += sum dlogits, dhidden = dlogits W2^T
  GemmAcc(H, L, count, hidden, 1, H, dlogits, s->grads[kBowDense2W].data());
  Zero(dhidden, count * H);
  GemmNTAcc(count, H, L, dlogits, w2, dhidden);
  TanhBackward(hidden, dhidden, dhidden, count * H);
  // dense1: dW1 += soft^T dpre, db1 += sum dpre, dsoft = dpre W1^T
  GemmAcc(E, H, count, soft, 1, E, dhidden, s->grads[kBowDense1W].data());
  Zero(dsoft, count * E);
  GemmNTAcc(count, E, H, dhidden, w1, dsoft);
  float* db1 = s->grads[kBowDense1B].data();
  float* db2 = s->grads[kBowDense2B].data();
  for (int r = 0; r < count; ++r) {
    AddTo(dlogits + r * L, db2, L);
    AddTo(dhidden + r * H, db1, H);
    SoftsignBackward(bag + r * E, dsoft + r * E, dsoft + r * E, E);
    embedding_bag.Backward(rows[r].ids, rows[r].n, dsoft + r * E, &s->embedding_grad);
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------- cnn

void Model::CnnForward(const int32_t* ids, int n, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  EmbeddingGather(params_[kEmbedding].value.data(), E, ids, n, s->x.data());
  Conv1dForward(s->x.data(), n, params_[kCnnConvW].value.data(), params_[kCnnConvB].value.data(), E, H, s->a.data());
  ReluForward(s->a.data(), n * H);
  float* pooled = s->c.data();
  Zero(pooled, H);
  for (int t = 0; t < n; ++t) AddTo(s->a.data() + static_cast<long>(t) * H, pooled, H);
  SoftsignForward(pooled, s->d.data(), H);
  DenseForward(s->d.data(), params_[kCnnDenseW].value.data(), params_[kCnnDenseB].value.data(), H, L,
               s->logits.data());
}

void Model::CnnBackward(const int32_t* ids, int n, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  DenseBackward(s->d.data(), params_[kCnnDenseW].value.data(), s->dlogits.data(), H, L, s->grads[kCnnDenseW].data(),
                s->grads[kCnnDenseB].data(), s->dd.data());
  SoftsignBackward(s->c.data(), s->dd.data(), s->dc.data(), H);
  for (int t = 0; t < n; ++t) {
    float* dct = s->da.data() + static_cast<long>(t) * H;
    Copy(s->dc.data(), dct, H);
    ReluBackward(s->a.data() + static_cast<long>(t) * H, dct, H);
  }
  Conv1dBackward(s->x.data(), n, params_[kCnnConvW].value.data(), s->da.data(), E, H, s->grads[kCnnConvW].data(),
                 s->grads[kCnnConvB].data(), s->dx.data());
  EmbeddingScatter(ids, n, s->dx.data(), &s->embedding_grad);
}

// ---------------------------------------------------------------------------------------------- lstm

void Model::LstmForward(const int32_t* ids, int n, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  EmbeddingGather(params_[kEmbedding].value.data(), E, ids, n, s->x.data());
  float* pooled = s->d.data();
  for (int dir = 0; dir < 2; ++dir) {
    LstmDirection lstm{E, H, dir == 1};
    const long gates_off = static_cast<long>(dir) * n * 4 * H, seq_off = static_cast<long>(dir) * n * H;
    lstm.Forward(s->x.data(), n, params_[kLstmW].value.data() + static_cast<long>(dir) * 4 * H * E,
                 params_[kLstmR].value.data() + static_cast<long>(dir) * 4 * H * H,
                 params_[kLstmB].value.data() + static_cast<long>(dir) * 8 * H, s->a.data() + gates_off,
                 s->b.data() + seq_off, s->c.data() + seq_off);
    float* p = pooled + dir * H;
    int32_t* arg = s->argmax.data() + dir * H;
    if (n == 0) {
      Zero(p, H);
      for (int j = 0; j < H; ++j) arg[j] = -1;
      continue;
    }
    const float* h = s->c.data() + seq_off;
    Copy(h, p, H);
    for (int j = 0; j < H; ++j) arg[j] = 0;
    for (int t = 1; t < n; ++t) {
      const float* ht = h + static_cast<long>(t) * H;
      for (int j = 0; j < H; ++j) {
        if (ht[j] > p[j]) {
          p[j] = ht[j];
          arg[j] = t;
        }
      }
    }
  }
  DenseForward(pooled, params_[kLstmDenseW].value.data(), params_[kLstmDenseB].value.data(), 2 * H, L,
               s->logits.data());
}

void Model::LstmBackward(const int32_t* ids, int n, State* s) const {
  const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
  DenseBackward(s->d.data(), params_[kLstmDenseW].value.data(), s->dlogits.data(), 2 * H, L,
                s->grads[kLstmDenseW].data(), s->grads[kLstmDenseB].data(), s->dd.data());
  if (n == 0) return;
  Zero(s->dx.data(), n * E);
  for (int dir = 0; dir < 2; ++dir) {
    const long gates_off = static_cast<long>(dir) * n * 4 * H, seq_off = static_cast<long>(dir) * n * H;
    float* dh = s->dc.data() + seq_off;
    Zero(dh, n * H);
    const int32_t* arg = s->argmax.data() + dir * H;
    for (int j = 0; j < H; ++j) dh[static_cast<long>(arg[j]) * H + j] = s->dd[dir * H + j];
    LstmDirection lstm{E, H, dir == 1};
    lstm.Backward(s->x.data(), n, params_[kLstmW].value.data() + static_cast<long>(dir) * 4 * H * E,
                  params_[kLstmR].value.data() + static_cast<long>(dir) * 4 * H * H, s->a.data() + gates_off,
                  s->b.data() + seq_off, s->c.data() + seq_off, dh,
                  s->grads[kLstmW].data() + static_cast<long>(dir) * 4 * H * E,
                  s->grads[kLstmR].data() + static_cast<long>(dir) * 4 * H * H,
                  s->grads[kLstmB].data() + static_cast<long>(dir) * 8 * H, s->dx.data(), s->da.data(),
                  s->lstm_scratch.data());
  }
  EmbeddingScatter(ids, n, s->dx.data(), &s->embedding_grad);
}

// ---------------------------------------------------------------------------------------------- common

const float* Model::Forward(const int32_t* ids, int n, State* s) const {
  s->Reserve(*this, n);
  switch (config_.kind) {
    case Kind::kBow: BowForward(ids, n, s); break;
    case Kind::kCnn: CnnForward(ids, n, s); break;
    case Kind::kLstm: LstmForward(ids, n, s); break;
  }
  return s->logits.data();
}

float Model::ForwardBackward(const int32_t* ids, int n, const Target& target, const LossOptions& options, float weight,
                             State* s) const {
  if (config_.kind == Kind::kBow) {
    RowRef row{ids, n, target};
    return static_cast<float>(BowForwardBackwardBatch(&row, 1, options, weight, s));
  }
  Forward(ids, n, s);
  float loss = DistillationLoss(s->logits.data(), config_.num_labels, target, options, weight, s->dlogits.data(),
                                s->loss_scratch.data());
  switch (config_.kind) {
    case Kind::kBow: break;  // handled above
    case Kind::kCnn: CnnBackward(ids, n, s); break;
    case Kind::kLstm: LstmBackward(ids, n, s); break;
  }
  return loss;
}

double Model::ForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                                   State* state) const {
  if (config_.kind == Kind::kBow) return BowForwardBackwardBatch(rows, count, options, weight, state);
  double loss = 0.0;
  for (int r = 0; r < count; ++r) loss += ForwardBackward(rows[r].ids, rows[r].n, rows[r].target, options, weight, state);
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
