#include "model.h"

#include <algorithm>

#include "adamw.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

// ---------------------------------------------------------------------------------------------- State

State::State(const Model& model, bool training) {
  const Config& c = model.config();
  const auto& params = model.parameters();
  if (training) {
    grads.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i].sparse) grads[i].assign(params[i].size(), 0.0f);
    }
    embedding_grad.Reset(c.embedding_rows(), c.embed_dim, model.pruned_rows());
  }
  logits_.assign(c.num_labels, 0.0f);
  dlogits_.assign(c.num_labels, 0.0f);
  loss_scratch_.assign(2 * c.num_labels, 0.0f);
  const int towers = c.pair ? 2 : 1;
  for (int t = 0; t < towers; ++t) {
    towers_[t] = model.encoder().NewActivations();
    mask_[t].assign(model.encoder().width(), 0.0f);
    dropped_[t].assign(model.encoder().width(), 0.0f);
  }
  head_ = model.head().NewActivations();
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

Model::Model(const Config& config)
    : config_(config),
      encoder_(CreateEncoder(config)),
      head_(encoder_->width(), config.num_labels, config.pair, config.match_hidden, encoder_->head_name()) {
  // One stream draws every starting value: the encoder's parameters, then the head's.
  Random rng(config_.seed);
  params_ = encoder_->NewParameters(&rng);
  head_first_ = static_cast<int>(params_.size());
  for (Parameter& p : head_.NewParameters(&rng)) params_.push_back(std::move(p));
}

int Model::FindParameter(const std::string& name) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Inverted dropout's mask: each of n units kept (1/(1-p)) or dropped (0), drawn from rng.
static void DrawDropoutMask(float p, Random* rng, int n, float* mask) {
  const float keep = 1.0f / (1.0f - p);
  for (int j = 0; j < n; ++j) mask[j] = rng->Unit() < p ? 0.0f : keep;
}

const float* Model::DropFeatures(const float* out, int rows, int tower, State* s) const {
  if (!(s->feature_dropout > 0.0f) || s->dropout_rng == nullptr) return out;
  const size_t n = static_cast<size_t>(rows) * encoder_->width();
  Grow(s->mask_[tower], n);
  Grow(s->dropped_[tower], n);
  float *mask = s->mask_[tower].data(), *dropped = s->dropped_[tower].data();
  DrawDropoutMask(s->feature_dropout, s->dropout_rng, static_cast<int>(n), mask);
  for (size_t j = 0; j < n; ++j) dropped[j] = out[j] * mask[j];
  return dropped;
}

void Model::MaskOutputGradient(float* dout, int rows, int tower, State* s) const {
  if (!(s->feature_dropout > 0.0f) || s->dropout_rng == nullptr) return;
  const size_t n = static_cast<size_t>(rows) * encoder_->width();
  const float* mask = s->mask_[tower].data();
  for (size_t j = 0; j < n; ++j) dout[j] *= mask[j];
}

const float* Model::Forward(TokenSpan a, TokenSpan b, State* s) const {
  const Parameter* params = params_.data();
  const float* u = encoder_->Forward(params, a, s->towers_[0].get());
  const float* v = config_.pair ? encoder_->Forward(params, b, s->towers_[1].get()) : nullptr;
  head_.Forward(params + head_first_, u, v, &s->head_, s->logits_.data());
  return s->logits_.data();
}

float Model::RowForwardBackward(const RowRef& row, const LossOptions& options, float weight, State* s) const {
  const Parameter* params = params_.data();
  EncoderActivations *ta = s->towers_[0].get(), *tb = s->towers_[1].get();
  const float* u = DropFeatures(encoder_->Forward(params, row.a, ta), 1, 0, s);
  const float* v = config_.pair ? DropFeatures(encoder_->Forward(params, row.b, tb), 1, 1, s) : nullptr;
  head_.Forward(params + head_first_, u, v, &s->head_, s->logits_.data());
  float loss = DistillationLoss(s->logits_.data(), config_.num_labels, row.target, options, weight, s->dlogits_.data(),
                                s->loss_scratch_.data());
  float* du = encoder_->OutputGradient(ta);
  float* dv = config_.pair ? encoder_->OutputGradient(tb) : nullptr;
  head_.Backward(params + head_first_, u, v, s->dlogits_.data(), &s->head_, s->grads.data() + head_first_, du, dv);
  MaskOutputGradient(du, 1, 0, s);
  encoder_->Backward(params, row.a, ta, GradientsOf(s));
  if (config_.pair) {
    MaskOutputGradient(dv, 1, 1, s);
    encoder_->Backward(params, row.b, tb, GradientsOf(s));
  }
  return loss;
}

bool Model::BatchedForwardBackward(const RowRef* rows, int count, const LossOptions& options, float weight, State* s,
                                   double* loss) const {
  if (config_.pair) return false;
  const Parameter* params = params_.data();
  const int L = config_.num_labels;
  std::vector<TokenSpan>& spans = s->batch_spans_;
  spans.clear();
  for (int r = 0; r < count; ++r) spans.push_back(rows[r].a);
  EncoderActivations* e = s->towers_[0].get();
  const float* out = encoder_->ForwardRows(params, spans.data(), count, e);
  if (out == nullptr) return false;
  Grow(s->logits_, static_cast<size_t>(count) * L);
  Grow(s->dlogits_, static_cast<size_t>(count) * L);
  float *logits = s->logits_.data(), *dlogits = s->dlogits_.data();
  // Feature dropout: the head reads the outputs times a mask; the encoder's backward still needs them as they were.
  const float* head_in = DropFeatures(out, count, 0, s);
  head_.ForwardRows(params + head_first_, head_in, count, logits);
  double sum = 0.0;
  for (int r = 0; r < count; ++r) {
    sum +=
        DistillationLoss(logits + r * L, L, rows[r].target, options, weight, dlogits + r * L, s->loss_scratch_.data());
  }
  float* dout = encoder_->OutputGradient(e);
  head_.BackwardRows(params + head_first_, head_in, dlogits, count, s->grads.data() + head_first_, dout);
  MaskOutputGradient(dout, count, 0, s);
  encoder_->BackwardRows(params, spans.data(), count, e, GradientsOf(s));
  *loss = sum;
  return true;
}

float Model::ForwardBackward(const RowRef& row, const LossOptions& options, float weight, State* s) const {
  double loss = 0.0;
  if (BatchedForwardBackward(&row, 1, options, weight, s, &loss)) return static_cast<float>(loss);
  return RowForwardBackward(row, options, weight, s);
}

double Model::ForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                                   State* s) const {
  double loss = 0.0;
  if (BatchedForwardBackward(rows, count, options, weight, s, &loss)) return loss;
  for (int r = 0; r < count; ++r) loss += RowForwardBackward(rows[r], options, weight, s);
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

void Model::PruneEmbedding(const std::vector<int32_t>& kept) {
  embedding_frozen_ = false;
  pruned_.assign(static_cast<size_t>(config_.embedding_rows()), 1);
  for (int32_t row : kept) pruned_[row] = 0;
  ZeroPrunedRows();
}

void Model::FreezeEmbedding() {
  embedding_frozen_ = true;
  pruned_.assign(static_cast<size_t>(config_.embedding_rows()), 1);
}

void Model::ZeroPrunedRows() {
  if (pruned_.empty() || embedding_frozen_) return;
  Parameter& embedding = params_[0];
  const size_t dim = static_cast<size_t>(config_.embed_dim);
  for (size_t row = 0; row < pruned_.size(); ++row) {
    if (!pruned_[row]) continue;
    std::fill_n(embedding.value.data() + row * dim, dim, 0.0f);
    if (!embedding.m.empty()) std::fill_n(embedding.m.data() + 2 * row * dim, 2 * dim, 0.0f);
  }
}

}  // namespace student
}  // namespace ernie_slim
