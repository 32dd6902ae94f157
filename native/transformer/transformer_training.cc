#include "transformer/transformer_training.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
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

// What one layer's backward pass reads of its forward pass.
struct LayerTape {
  device::Buffer x_in, a;                      // [n, H]: the layer's input, the attention block's output
  device::Buffer ln1_hat, ln2_hat;             // [n, H]
  device::Buffer ln1_rstd, ln2_rstd;           // [n]
  device::Buffer attention_keep, output_keep;  // [n, H]: hidden dropout's {0, 1/(1-p)} per unit
  AttentionScratch attention;
  FeedForwardScratch feed_forward;
};

// One thread's buffers and gradients.
struct TrainingState {
  TrainingState(const TransformerConfig& c) : grad(c), word_seen(c.vocab_size, 0) { grad.Zero(); }
  TransformerWeights grad;
  std::vector<LayerTape> layers;
  device::Buffer emb_hat, emb_rstd, x, branch, dx, dbranch, dact, pooled, dpooled, dz, logits, dlogits;
  device::Buffer embedding_keep, pooled_keep, pooled_dropped;
  std::vector<uint8_t> key_mask;
  AttentionGradScratch attention_grad;
  TrainingDropout dropout;
  double loss = 0.0;
  // The word-embedding rows this thread's gradient holds, once each.
  std::vector<int32_t> word_rows;
  std::vector<uint8_t> word_seen;

  // Buffers only grow, so that batches of varying length reuse them as they are.
  void Reserve(int n, const TransformerConfig& c) {
    const size_t nh = static_cast<size_t>(n) * c.hidden, ni = static_cast<size_t>(n) * c.intermediate;
    layers.resize(c.layers);
    const size_t nh_hidden = dropout.hidden > 0 ? nh : 0;
    auto grow = device::Reserve;
    for (LayerTape& t : layers) {
      for (device::Buffer* b : {&t.x_in, &t.a, &t.ln1_hat, &t.ln2_hat}) grow(b, nh);
      grow(&t.ln1_rstd, n);
      grow(&t.ln2_rstd, n);
      grow(&t.attention_keep, nh_hidden);
      grow(&t.output_keep, nh_hidden);
      t.attention.dropout = dropout.attention > 0;
      t.attention.Reserve(n, c);
      t.feed_forward.Reserve(n, c);
    }
    for (device::Buffer* b : {&emb_hat, &x, &branch, &dx, &dbranch}) grow(b, nh);
    grow(&emb_rstd, n);
    grow(&dact, ni);
    for (device::Buffer* b : {&pooled, &dpooled, &dz}) grow(b, c.hidden);
    grow(&logits, c.labels);
    grow(&dlogits, c.labels);
    grow(&embedding_keep, nh_hidden);
    grow(&pooled_keep, dropout.hidden > 0 ? c.hidden : 0);
    grow(&pooled_dropped, c.hidden);
    if (key_mask.size() < static_cast<size_t>(n)) key_mask.resize(n);
    attention_grad.Reserve(n, c);
  }

  void NoteWordRows(const int32_t* ids, int n) {
    for (int t = 0; t < n; ++t) {
      if (!word_seen[ids[t]]) {
        word_seen[ids[t]] = 1;
        word_rows.push_back(ids[t]);
      }
    }
  }

  // Every gradient 0 again: the tensors in `names` whole, the word embeddings by the rows used.
  void ClearGradients(const std::vector<std::string>& names, int hidden) {
    for (const std::string& name : names) {
      device::Buffer& v = grad.Values(name);
      std::fill(v.begin(), v.end(), 0.0f);
    }
    for (int32_t row : word_rows) {
      std::fill_n(grad.word_embeddings.begin() + static_cast<long>(row) * hidden, hidden, 0.0f);
      word_seen[row] = 0;
    }
    word_rows.clear();
    loss = 0.0;
  }
};

namespace {

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
                         uint64_t row_seed, const std::vector<LayerTransposes>& transposes, TrainingState* s) {
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
    FeedForwardBackward(c, layer, t.a.data(), n, t.feed_forward, dbranch, s->dact.data(), &gl, dx, &transposes[l]);
    LayerNormBackward(t.ln1_hat.data(), t.ln1_rstd.data(), layer.attention_norm.gamma.data(), dx, n, H,
                      gl.attention_norm.gamma.data(), gl.attention_norm.beta.data(), dx);
    std::copy(dx, dx + nh, dbranch);
    if (hidden_p > 0) ApplyKeep(t.attention_keep.data(), nh, dbranch);
    SelfAttentionBackward(c, layer, t.x_in.data(), n, t.attention, dbranch, &s->attention_grad, &gl, dx,
                          &transposes[l]);
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

TrainingWorkspace::TrainingWorkspace() = default;
TrainingWorkspace::~TrainingWorkspace() = default;

double LossAndGradients(const TransformerClassifier& model, const int32_t* ids, const int32_t* type_ids,
                        const int32_t* mask, const int32_t* labels, int batch, int seq, int threads,
                        TransformerWeights* grad, const TrainingDropout& dropout, TrainingWorkspace* workspace) {
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
  TrainingWorkspace local;
  TrainingWorkspace& w = workspace ? *workspace : local;
  if (w.names_.empty()) {
    for (const std::string& name : grad->TensorNames()) {
      if (name != "embeddings.word_embeddings.weight") w.names_.push_back(name);
    }
  }
  w.transposes_.resize(c.layers);
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights& layer = model.weights().layers[l];
    LayerTransposes& t = w.transposes_[l];
    TransposeWeights(layer.query, &t.query);
    TransposeWeights(layer.key, &t.key);
    TransposeWeights(layer.value, &t.value);
    TransposeWeights(layer.attention_output, &t.attention_output);
    TransposeWeights(layer.intermediate, &t.intermediate);
    TransposeWeights(layer.output, &t.output);
  }
  const size_t workers = static_cast<size_t>(std::max(1, std::min(threads, batch)));
  while (w.states_.size() < workers) w.states_.push_back(std::make_unique<TrainingState>(c));
  std::atomic<size_t> next_state{0};
  const float scale = batch > 0 ? 1.0f / static_cast<float>(batch) : 0.0f;
  ParallelChunks(
      static_cast<size_t>(batch), 1, threads,
      [&] {
        TrainingState* s = w.states_[next_state.fetch_add(1)].get();
        s->ClearGradients(w.names_, c.hidden);
        s->dropout = dropout;
        s->Reserve(seq, c);
        return s;
      },
      [&](TrainingState* s, size_t begin, size_t end) {
        for (size_t r = begin; r < end; ++r) {
          const long row = static_cast<long>(r) * seq;
          const int n = model.RowLength(mask ? mask + row : nullptr, seq);
          for (int t = 0; t < n; ++t) s->key_mask[t] = mask ? (mask[row + t] != 0) : 1;
          s->NoteWordRows(ids + row, n);
          RowLossAndGradients(c, model.weights(), ids + row, type_ids + row, s->key_mask.data(), n, labels[r], scale,
                              DropoutRowSeed(dropout.seed, static_cast<int>(r)), w.transposes_, s);
        }
      });
  // The states that ran, summed in a fixed order.
  grad->Zero();
  double loss = 0.0;
  const int H = c.hidden;
  for (size_t i = 0; i < std::min(next_state.load(), w.states_.size()); ++i) {
    TrainingState& s = *w.states_[i];
    loss += s.loss;
    for (const std::string& name : w.names_) {
      device::Buffer& total = grad->Values(name);
      const device::Buffer& part = s.grad.Values(name);
      for (size_t j = 0; j < total.size(); ++j) total[j] += part[j];
    }
    for (int32_t row : s.word_rows) {
      float* total = grad->word_embeddings.data() + static_cast<long>(row) * H;
      const float* part = s.grad.word_embeddings.data() + static_cast<long>(row) * H;
      for (int j = 0; j < H; ++j) total[j] += part[j];
    }
  }
  return loss;
}

}  // namespace transformer
}  // namespace ernie_slim
