#include "transformer/transformer_training.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "transformer/dense_rows.h"
#include "transformer/embeddings.h"
#include "transformer/feed_forward.h"
#include "transformer/layer_norm.h"
#include "transformer/self_attention.h"
#include "util/parallel_chunks.h"
#include "util/random.h"

namespace ernie_slim {
namespace transformer {

namespace {

// What one layer's backward pass reads of its forward pass.
struct LayerTape {
  std::vector<float> x_in, a;                      // [n, H]: the layer's input, the attention block's output
  std::vector<float> ln1_hat, ln2_hat;             // [n, H]
  std::vector<float> ln1_rstd, ln2_rstd;           // [n]
  std::vector<float> attention_keep, output_keep;  // [n, H]: hidden dropout's {0, 1/(1-p)} per unit
  AttentionScratch attention;
  FeedForwardScratch feed_forward;
};

struct TrainingState {
  TrainingState(const TransformerConfig& c, const TrainingDropout& d) : grad(c), dropout(d) { grad.Zero(); }
  TransformerWeights grad;
  std::vector<LayerTape> layers;
  std::vector<float> emb_hat, emb_rstd, x, branch, dx, dbranch, dact, pooled, dpooled, dz, logits, dlogits;
  std::vector<float> embedding_keep, pooled_keep, pooled_dropped;
  std::vector<uint8_t> key_mask;
  AttentionGradScratch attention_grad;
  TrainingDropout dropout;
  double loss = 0.0;

  void Reserve(int n, const TransformerConfig& c) {
    const size_t nh = static_cast<size_t>(n) * c.hidden, ni = static_cast<size_t>(n) * c.intermediate;
    layers.resize(c.layers);
    const size_t nh_hidden = dropout.hidden > 0 ? nh : 0;
    for (LayerTape& t : layers) {
      for (std::vector<float>* b : {&t.x_in, &t.a, &t.ln1_hat, &t.ln2_hat}) b->resize(nh);
      t.ln1_rstd.resize(n);
      t.ln2_rstd.resize(n);
      t.attention_keep.resize(nh_hidden);
      t.output_keep.resize(nh_hidden);
      t.attention.dropout = dropout.attention > 0;
      t.attention.Reserve(n, c);
      t.feed_forward.Reserve(n, c);
    }
    for (std::vector<float>* b : {&emb_hat, &x, &branch, &dx, &dbranch}) b->resize(nh);
    emb_rstd.resize(n);
    dact.resize(ni);
    for (std::vector<float>* b : {&pooled, &dpooled, &dz}) b->resize(c.hidden);
    logits.resize(c.labels);
    dlogits.resize(c.labels);
    embedding_keep.resize(nh_hidden);
    pooled_keep.resize(dropout.hidden > 0 ? c.hidden : 0);
    pooled_dropped.resize(c.hidden);
    key_mask.resize(n);
    attention_grad.Reserve(n, c);
  }
};

// Fills keep[0, count) with {0, 1/(1-p)} from rng and multiplies x by it (x may be null).
void DrawDropout(Random* rng, float p, long count, float* keep, float* x) {
  const float scale = 1.0f / (1.0f - p);
  for (long i = 0; i < count; ++i) keep[i] = rng->Unit() < p ? 0.0f : scale;
  if (x) {
    for (long i = 0; i < count; ++i) x[i] *= keep[i];
  }
}

void ApplyKeep(const float* keep, long count, float* x) {
  for (long i = 0; i < count; ++i) x[i] *= keep[i];
}

void RowLossAndGradients(const TransformerConfig& c, const TransformerWeights& w, const int32_t* ids,
                         const int32_t* type_ids, const uint8_t* key_mask, int n, int label, float scale,
                         uint64_t row_seed, TrainingState* s) {
  const int H = c.hidden;
  const long nh = static_cast<long>(n) * H;
  const float hidden_p = s->dropout.hidden, attention_p = s->dropout.attention;
  Random rng(row_seed);
  float* x = s->x.data();
  float* branch = s->branch.data();
  EmbeddingsForward(c, w, ids, type_ids, n, x, s->emb_hat.data(), s->emb_rstd.data());
  if (hidden_p > 0) DrawDropout(&rng, hidden_p, nh, s->embedding_keep.data(), x);
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights& layer = w.layers[l];
    LayerTape& t = s->layers[l];
    std::copy(x, x + nh, t.x_in.begin());
    if (attention_p > 0) {
      DrawDropout(&rng, attention_p, static_cast<long>(c.heads) * n * n, t.attention.keep.data(), nullptr);
    }
    SelfAttentionForward(c, layer, x, key_mask, n, &t.attention, branch);
    if (hidden_p > 0) DrawDropout(&rng, hidden_p, nh, t.attention_keep.data(), branch);
    for (long i = 0; i < nh; ++i) x[i] += branch[i];
    LayerNormForward(x, n, H, layer.attention_norm.gamma.data(), layer.attention_norm.beta.data(), c.layer_norm_eps, x,
                     t.ln1_hat.data(), t.ln1_rstd.data());
    std::copy(x, x + nh, t.a.begin());
    FeedForwardForward(c, layer, x, n, &t.feed_forward, branch);
    if (hidden_p > 0) DrawDropout(&rng, hidden_p, nh, t.output_keep.data(), branch);
    for (long i = 0; i < nh; ++i) x[i] += branch[i];
    LayerNormForward(x, n, H, layer.output_norm.gamma.data(), layer.output_norm.beta.data(), c.layer_norm_eps, x,
                     t.ln2_hat.data(), t.ln2_rstd.data());
  }
  float* pooled = s->pooled.data();
  DenseRowsForward(x, 1, w.pooler, pooled);
  for (int j = 0; j < H; ++j) pooled[j] = std::tanh(pooled[j]);
  float* dropped = s->pooled_dropped.data();
  std::copy(pooled, pooled + H, dropped);
  if (hidden_p > 0) DrawDropout(&rng, hidden_p, H, s->pooled_keep.data(), dropped);
  float* logits = s->logits.data();
  DenseRowsForward(dropped, 1, w.classifier, logits);

  // Softmax cross-entropy, from the log-sum-exp.
  const float top = *std::max_element(logits, logits + c.labels);
  double z = 0.0;
  for (int k = 0; k < c.labels; ++k) z += std::exp(static_cast<double>(logits[k] - top));
  s->loss += (std::log(z) + top - logits[label]) * scale;
  for (int k = 0; k < c.labels; ++k) {
    s->dlogits[k] = static_cast<float>((std::exp(static_cast<double>(logits[k] - top)) / z - (k == label)) * scale);
  }

  TransformerWeights& g = s->grad;
  std::fill(s->dpooled.begin(), s->dpooled.end(), 0.0f);
  DenseRowsBackward(dropped, 1, w.classifier, s->dlogits.data(), &g.classifier, s->dpooled.data());
  if (hidden_p > 0) ApplyKeep(s->pooled_keep.data(), H, s->dpooled.data());
  for (int j = 0; j < H; ++j) s->dz[j] = s->dpooled[j] * (1.0f - pooled[j] * pooled[j]);
  float* dx = s->dx.data();
  float* dbranch = s->dbranch.data();
  std::fill(dx, dx + nh, 0.0f);
  // The pooler reads the last layer's [CLS] row: x still holds that layer's output.
  DenseRowsBackward(x, 1, w.pooler, s->dz.data(), &g.pooler, dx);
  for (int l = c.layers - 1; l >= 0; --l) {
    const LayerWeights& layer = w.layers[l];
    LayerWeights& gl = g.layers[l];
    LayerTape& t = s->layers[l];
    LayerNormBackward(t.ln2_hat.data(), t.ln2_rstd.data(), layer.output_norm.gamma.data(), dx, n, H,
                      gl.output_norm.gamma.data(), gl.output_norm.beta.data(), dx);
    std::copy(dx, dx + nh, dbranch);  // the residual passes dx through; the block adds its own
    if (hidden_p > 0) ApplyKeep(t.output_keep.data(), nh, dbranch);
    FeedForwardBackward(c, layer, t.a.data(), n, t.feed_forward, dbranch, s->dact.data(), &gl, dx);
    LayerNormBackward(t.ln1_hat.data(), t.ln1_rstd.data(), layer.attention_norm.gamma.data(), dx, n, H,
                      gl.attention_norm.gamma.data(), gl.attention_norm.beta.data(), dx);
    std::copy(dx, dx + nh, dbranch);
    if (hidden_p > 0) ApplyKeep(t.attention_keep.data(), nh, dbranch);
    SelfAttentionBackward(c, layer, t.x_in.data(), n, t.attention, dbranch, &s->attention_grad, &gl, dx);
  }
  if (hidden_p > 0) ApplyKeep(s->embedding_keep.data(), nh, dx);
  EmbeddingsBackward(c, w, ids, type_ids, n, s->emb_hat.data(), s->emb_rstd.data(), dx, &g);
}

}  // namespace

uint64_t DropoutRowSeed(uint64_t seed, int row) {
  uint64_t z = seed + static_cast<uint64_t>(row + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double LossAndGradients(const TransformerClassifier& model, const int32_t* ids, const int32_t* type_ids,
                        const int32_t* mask, const int32_t* labels, int batch, int seq, int threads,
                        TransformerWeights* grad, const TrainingDropout& dropout) {
  const TransformerConfig& c = model.config();
  if (!(dropout.hidden >= 0 && dropout.hidden < 1 && dropout.attention >= 0 && dropout.attention < 1)) {
    throw std::invalid_argument("dropout probabilities must be in [0, 1)");
  }
  model.CheckBatch(ids, type_ids, batch, seq);
  for (int r = 0; r < batch; ++r) {
    if (labels[r] < 0 || labels[r] >= c.labels) {
      throw std::invalid_argument("label " + std::to_string(labels[r]) + " is outside the " + std::to_string(c.labels) +
                                  " labels");
    }
  }
  grad->Zero();
  double loss = 0.0;
  std::mutex done;
  const float scale = batch > 0 ? 1.0f / static_cast<float>(batch) : 0.0f;
  // Each thread's gradients are summed when its state goes out of scope.
  struct Owned {
    std::unique_ptr<TrainingState> state;
    TransformerWeights* total;
    double* loss;
    std::mutex* done;
    Owned(Owned&&) = default;
    Owned(std::unique_ptr<TrainingState> s, TransformerWeights* t, double* l, std::mutex* d)
        : state(std::move(s)), total(t), loss(l), done(d) {}
    ~Owned() {
      if (!state) return;
      std::lock_guard<std::mutex> lock(*done);
      total->Add(state->grad);
      *loss += state->loss;
    }
  };
  ParallelChunks(
      static_cast<size_t>(batch), 1, threads,
      [&] {
        auto state = std::make_unique<TrainingState>(c, dropout);
        state->Reserve(seq, c);
        return Owned(std::move(state), grad, &loss, &done);
      },
      [&](Owned& owned, size_t begin, size_t end) {
        TrainingState& s = *owned.state;
        for (size_t r = begin; r < end; ++r) {
          const long row = static_cast<long>(r) * seq;
          const int n = model.RowLength(mask ? mask + row : nullptr, seq);
          for (int t = 0; t < n; ++t) s.key_mask[t] = mask ? (mask[row + t] != 0) : 1;
          RowLossAndGradients(c, model.weights(), ids + row, type_ids + row, s.key_mask.data(), n, labels[r], scale,
                              DropoutRowSeed(dropout.seed, static_cast<int>(r)), &s);
        }
      });
  return loss;
}

}  // namespace transformer
}  // namespace ernie_slim
