#include "transformer/transformer_training.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "transformer/cls_attention.h"
#include "transformer/dense_rows.h"
#include "transformer/dropout_mask.h"
#include "transformer/embeddings.h"
#include "transformer/feed_forward.h"
#include "transformer/layer_norm.h"
#include "transformer/self_attention.h"
#include "util/parallel_chunks.h"
#include "util/random.h"
#include "transformer/gelu.h"

namespace ernie_slim {
namespace transformer {

// What one layer's backward pass reads of its forward pass, for every token row of the batch (the sequences'
// rows stacked, T in all) and, for the attention weights, every sequence's [heads, n, n] block end to end.
// Scratch: written before read, grown without copying.
struct LayerTape {
  device::Scratch x_in, a;                      // [T, H]: the layer's input, the attention block's output
  device::Scratch q, k, v, context;             // [T, H]
  device::Scratch up;                           // [T, intermediate]: before the activation
  device::Scratch ln1_hat, ln2_hat;             // [T, H]
  device::Scratch ln1_rstd, ln2_rstd;           // [T]
  device::Scratch attention_keep, output_keep;  // [T, H]: hidden dropout's {0, 1/(1-p)} per unit
  device::Scratch probs, keep, dropped;         // the sequences' attention weights (and attention dropout's)
};

// One thread's per-head scratch for the attention of one sequence at a time.
struct TrainingState {
  AttentionScratch heads;
  AttentionGradScratch head_grads;
};

// The batch's tape and buffers.
struct BatchTape {
  std::vector<LayerTape> layers;
  device::Scratch emb_hat, emb_rstd, x, branch, dx, dbranch, act, dact, slope, dq, dk, dv, dcontext;  // [T, *]
  device::Scratch embedding_keep;                                                                     // [T, H]
  device::Scratch cls, pooled, pooled_keep, dropped, dpooled, dz, dcls, xq, dxq;                      // [B, H]
  device::Scratch logits, dlogits;                                                                    // [B, labels]
  std::vector<uint8_t> key_mask;                                                                      // [T]
  std::vector<long> start, probs_start;  // per sequence: its first token row, its attention block
  std::vector<int> length;
  std::vector<Random> rngs;

  // Buffers only grow (dropping their values), so that batches of varying length reuse them as they are.
  void Reserve(long tokens, long probs, int batch, const TransformerConfig& c, const TrainingDropout& dropout) {
    const size_t th = static_cast<size_t>(tokens) * c.hidden, ti = static_cast<size_t>(tokens) * c.intermediate;
    const size_t th_hidden = dropout.hidden > 0 ? th : 0, bh = static_cast<size_t>(batch) * c.hidden;
    auto grow = [](device::Scratch* b, size_t count) { b->Grow(count); };
    layers.resize(c.layers);
    for (LayerTape& t : layers) {
      for (device::Scratch* b : {&t.x_in, &t.a, &t.q, &t.k, &t.v, &t.context, &t.ln1_hat, &t.ln2_hat}) grow(b, th);
      grow(&t.up, ti);
      grow(&t.ln1_rstd, tokens);
      grow(&t.ln2_rstd, tokens);
      grow(&t.attention_keep, th_hidden);
      grow(&t.output_keep, th_hidden);
      grow(&t.probs, probs);
      grow(&t.keep, dropout.attention > 0 ? probs : 0);
      grow(&t.dropped, dropout.attention > 0 ? probs : 0);
    }
    for (device::Scratch* b : {&emb_hat, &branch, &dx, &dbranch, &dq, &dk, &dv, &dcontext}) grow(b, th);
    grow(&x, c.layers == 0 ? th : 0);  // the embeddings' output, where no layer's tape takes it
    grow(&emb_rstd, tokens);
    grow(&act, ti);
    grow(&dact, ti);
    grow(&slope, c.activation == Activation::kRelu ? 0 : ti);
    grow(&embedding_keep, th_hidden);
    for (device::Scratch* b : {&cls, &pooled, &dropped, &dpooled, &dz, &dcls, &xq, &dxq}) grow(b, bh);
    grow(&pooled_keep, dropout.hidden > 0 ? bh : 0);
    grow(&logits, static_cast<size_t>(batch) * c.labels);
    grow(&dlogits, static_cast<size_t>(batch) * c.labels);
    if (key_mask.size() < static_cast<size_t>(tokens)) key_mask.resize(tokens);
  }
};

namespace {

// work(begin, end) over [0, count) in row blocks shared by the threads.
template <typename Work>
void SplitRows(int threads, long count, Work&& work) {
  constexpr long kBlock = 64;
  ParallelChunks(
      static_cast<size_t>(count), kBlock, threads, [] { return 0; },
      [&](int, size_t begin, size_t end) { work(static_cast<long>(begin), static_cast<long>(end)); });
}

// work(r) for every sequence r of the batch, shared by the threads (each sequence's dropout stream is its own,
// so the draws do not depend on which thread makes them).
template <typename Work>
void EachRow(int threads, int batch, Work&& work) {
  ParallelChunks(
      static_cast<size_t>(batch), 1, threads, [] { return 0; },
      [&](int, size_t r, size_t) { work(static_cast<int>(r)); });
}

// Hidden dropout at one site, each sequence's units [n, width] from its own stream: every row of the sequence
// (x [T, width]), or its first row alone (x [batch, width], a [CLS] row a sequence; the others' draws skipped).
void DrawSiteDropout(BatchTape* b, int batch, int threads, float p, int width, bool cls_only, float* keep, float* x) {
  EachRow(threads, batch, [&](int r) {
    const long n = b->length[r];
    if (cls_only) {
      DrawDropout(&b->rngs[r], p, width, keep + static_cast<long>(r) * width, x + static_cast<long>(r) * width);
      b->rngs[r].Skip((n - 1) * width);
    } else {
      const long at = b->start[r] * width;
      DrawDropout(&b->rngs[r], p, n * width, keep + at, x + at);
    }
  });
}

// The batch's loss (added to *loss) and gradients (added to g): every dense layer is one product over the
// batch's T token rows; embeddings, attention and the head's loss run sequence by sequence. The last layer
// computes its keys and values over every row and the rest over each sequence's [CLS] row alone (the pooler
// reads nothing else; the other rows' dropout draws are skipped, so every stream stays as documented).
void BatchLossAndGradients(const TransformerConfig& c, const TransformerWeights& w, const int32_t* ids,
                           const int32_t* type_ids, const int32_t* labels, int batch, int seq, int threads,
                           float hidden_p, float attention_p, const std::vector<LayerTransposes>& transposes,
                           std::vector<std::unique_ptr<TrainingState>>& states, BatchTape* b, double* loss,
                           TransformerWeights* g) {
  const int H = c.hidden, I = c.intermediate;
  const long T = b->start[batch], th = T * H;
  const float scale = batch > 0 ? 1.0f / static_cast<float>(batch) : 0.0f;
  std::atomic<size_t> next_state{0};
  auto take_state = [&] { return states[next_state.fetch_add(1) % states.size()].get(); };
  // Sequence by sequence, first come first served, each thread with its own per-head scratch.
  auto each_sequence = [&](auto&& work) {
    next_state = 0;
    ParallelChunks(static_cast<size_t>(batch), 1, threads, take_state, [&](TrainingState* s, size_t r, size_t) {
      work(s, static_cast<int>(r), b->start[r], b->length[r]);
    });
  };
  // Each sequence's [CLS] row of x [T, H] into rows [batch, H] (and back, added).
  auto gather_cls = [&](const float* x, float* rows) {
    for (int r = 0; r < batch; ++r) std::copy(x + b->start[r] * H, x + (b->start[r] + 1) * H, rows + r * H);
  };
  auto add_cls = [&](const float* rows, float* x) {
    for (int r = 0; r < batch; ++r) {
      float* xr = x + b->start[r] * H;
      for (int j = 0; j < H; ++j) xr[j] += rows[static_cast<long>(r) * H + j];
    }
  };
  // out = LayerNorm(in + branch) over R rows (the post-norm residual), keeping what the backward pass reads; out
  // is where the tape keeps it, so that nothing is copied there.
  auto add_and_norm = [&](const auto& norm, long R, const float* in, const float* branch, float* out, float* hat,
                          float* rstd) {
    SplitRows(threads, R, [&](long r0, long r1) {
      for (long i = r0 * H; i < r1 * H; ++i) out[i] = in[i] + branch[i];
      LayerNormForward(out + r0 * H, static_cast<int>(r1 - r0), H, norm.gamma.data(), norm.beta.data(),
                       c.layer_norm_eps, out + r0 * H, hat + r0 * H, rstd + r0);
    });
  };
  // act = the activation of up, R rows of I.
  auto activate = [&](const float* up, long R, float* act) {
    SplitRows(threads, R, [&](long r0, long r1) {
      const long count = (r1 - r0) * I;
      const float* u = up + r0 * I;
      float* a = act + r0 * I;
      if (c.activation == Activation::kRelu) {
        for (long i = 0; i < count; ++i) a[i] = u[i] > 0.0f ? u[i] : 0.0f;
      } else {
        GeluForward(u, count, a);
      }
    });
  };

  // Each layer reads its input from its tape's x_in, where the embeddings or the layer before write it.
  float* x = c.layers > 0 ? b->layers[0].x_in.data() : b->x.data();
  float* branch = b->branch.data();
  float* xq = b->xq.data();  // the last layer's [CLS] rows [batch, H]
  each_sequence([&](TrainingState*, int r, long at, int n) {
    EmbeddingsForward(c, w, ids + static_cast<long>(r) * seq, type_ids + static_cast<long>(r) * seq, n, x + at * H,
                      b->emb_hat.data() + at * H, b->emb_rstd.data() + at);
  });
  if (hidden_p > 0) DrawSiteDropout(b, batch, threads, hidden_p, H, false, b->embedding_keep.data(), x);
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights& layer = w.layers[l];
    LayerTape& t = b->layers[l];
    // The rows the layer computes past its keys and values: every row, or in the last layer the [CLS] rows.
    const bool cls_only = l == c.layers - 1;
    const long R = cls_only ? batch : T;
    x = t.x_in.data();
    float* rows = cls_only ? xq : x;
    if (cls_only) gather_cls(x, xq);
    if (attention_p > 0) {
      EachRow(threads, batch, [&](int r) {
        const long n = b->length[r];
        if (!cls_only)
          return DrawDropout(&b->rngs[r], attention_p, c.heads * n * n, t.keep.data() + b->probs_start[r], nullptr);
        // The [CLS] query's weights of each head: the first row of its [n, n] block.
        for (int h = 0; h < c.heads; ++h) {
          DrawDropout(&b->rngs[r], attention_p, n, t.keep.data() + (c.heads * b->start[r] + h * n), nullptr);
          b->rngs[r].Skip((n - 1) * n);
        }
      });
    }
    DenseRowsForwardThreads(threads, rows, R, layer.query, t.q.data());
    DenseRowsForwardThreads(threads, x, T, layer.key, t.k.data());
    DenseRowsForwardThreads(threads, x, T, layer.value, t.v.data());
    const float* keep = attention_p > 0 ? t.keep.data() : nullptr;
    if (cls_only) {
      each_sequence([&](TrainingState*, int r, long at, int n) {
        const long pa = static_cast<long>(c.heads) * at;
        ClsAttentionForward(c, t.q.data() + r * H, t.k.data() + at * H, t.v.data() + at * H, b->key_mask.data() + at, n,
                            t.probs.data() + pa, keep ? keep + pa : nullptr, t.context.data() + r * H);
      });
    } else {
      each_sequence([&](TrainingState* s, int r, long at, int n) {
        const long pa = b->probs_start[r];
        AttentionHeadsForward(c, t.q.data() + at * H, t.k.data() + at * H, t.v.data() + at * H, b->key_mask.data() + at,
                              n, &s->heads, t.probs.data() + pa, keep ? keep + pa : nullptr,
                              keep ? t.dropped.data() + pa : nullptr, t.context.data() + at * H);
      });
    }
    DenseRowsForwardThreads(threads, t.context.data(), R, layer.attention_output, branch);
    if (hidden_p > 0) DrawSiteDropout(b, batch, threads, hidden_p, H, cls_only, t.attention_keep.data(), branch);
    add_and_norm(layer.attention_norm, R, rows, branch, t.a.data(), t.ln1_hat.data(), t.ln1_rstd.data());
    DenseRowsForwardThreads(threads, t.a.data(), R, layer.intermediate, t.up.data());
    activate(t.up.data(), R, b->act.data());
    DenseRowsForwardThreads(threads, b->act.data(), R, layer.output, branch);
    if (hidden_p > 0) DrawSiteDropout(b, batch, threads, hidden_p, H, cls_only, t.output_keep.data(), branch);
    add_and_norm(layer.output_norm, R, t.a.data(), branch, cls_only ? xq : b->layers[l + 1].x_in.data(),
                 t.ln2_hat.data(), t.ln2_rstd.data());
  }
  // The pooler reads each sequence's [CLS] row of the last layer's output.
  float* cls = b->cls.data();
  if (c.layers > 0) {
    std::copy(xq, xq + static_cast<long>(batch) * H, cls);
  } else {
    gather_cls(x, cls);
  }
  float* pooled = b->pooled.data();
  DenseRowsForward(cls, batch, w.pooler, pooled);
  for (long j = 0; j < static_cast<long>(batch) * H; ++j) pooled[j] = std::tanh(pooled[j]);
  float* dropped = b->dropped.data();
  std::copy(pooled, pooled + static_cast<long>(batch) * H, dropped);
  if (hidden_p > 0) {
    for (int r = 0; r < batch; ++r)
      DrawDropout(&b->rngs[r], hidden_p, H, b->pooled_keep.data() + r * H, dropped + r * H);
  }
  float* logits = b->logits.data();
  DenseRowsForward(dropped, batch, w.classifier, logits);

  // Softmax cross-entropy, from the log-sum-exp, row by row.
  for (int r = 0; r < batch; ++r) {
    const float* lr = logits + r * c.labels;
    float* dl = b->dlogits.data() + r * c.labels;
    const float top = *std::max_element(lr, lr + c.labels);
    double z = 0.0;
    for (int k = 0; k < c.labels; ++k) z += std::exp(static_cast<double>(lr[k] - top));
    *loss += (std::log(z) + top - lr[labels[r]]) * scale;
    for (int k = 0; k < c.labels; ++k) {
      dl[k] = static_cast<float>((std::exp(static_cast<double>(lr[k] - top)) / z - (k == labels[r])) * scale);
    }
  }

  const long bh = static_cast<long>(batch) * H;
  std::fill(b->dpooled.begin(), b->dpooled.begin() + bh, 0.0f);
  DenseRowsBackward(dropped, batch, w.classifier, b->dlogits.data(), &g->classifier, b->dpooled.data());
  if (hidden_p > 0) ApplyKeep(b->pooled_keep.data(), bh, b->dpooled.data());
  for (long j = 0; j < bh; ++j) b->dz[j] = b->dpooled[j] * (1.0f - pooled[j] * pooled[j]);
  std::fill(b->dcls.begin(), b->dcls.begin() + bh, 0.0f);
  DenseRowsBackward(cls, batch, w.pooler, b->dz.data(), &g->pooler, b->dcls.data());
  float* dx = b->dx.data();
  float* dxq = b->dxq.data();  // the gradient at the last layer's [CLS] rows
  float* dbranch = b->dbranch.data();
  if (c.layers > 0) {
    std::copy(b->dcls.data(), b->dcls.data() + bh, dxq);
  } else {
    std::fill(dx, dx + th, 0.0f);
    add_cls(b->dcls.data(), dx);
  }
  for (int l = c.layers - 1; l >= 0; --l) {
    const LayerWeights& layer = w.layers[l];
    const LayerTransposes& lt = transposes[l];
    LayerWeights& gl = g->layers[l];
    LayerTape& t = b->layers[l];
    const bool cls_only = l == c.layers - 1;
    const long R = cls_only ? batch : T, rh = R * H;
    float* drows = cls_only ? dxq : dx;
    LayerNormBackwardThreads(threads, t.ln2_hat.data(), t.ln2_rstd.data(), layer.output_norm.gamma.data(), drows,
                             static_cast<int>(R), H, gl.output_norm.gamma.data(), gl.output_norm.beta.data(), drows);
    // The residual passes drows through; the block adds its own.
    SplitRows(threads, R, [&](long r0, long r1) {
      std::copy(drows + r0 * H, drows + r1 * H, dbranch + r0 * H);
      if (hidden_p > 0) ApplyKeep(t.output_keep.data() + r0 * H, (r1 - r0) * H, dbranch + r0 * H);
    });
    // The feed-forward block: its activation made again from up (cheaper than keeping it per layer), with
    // GELU's slope from the same erf.
    float* act = b->act.data();
    float* dact = b->dact.data();
    float* slope = b->slope.data();
    SplitRows(threads, R, [&](long r0, long r1) {
      const float* up = t.up.data() + r0 * I;
      const long count = (r1 - r0) * I;
      if (c.activation == Activation::kRelu) {
        for (long i = 0; i < count; ++i) act[r0 * I + i] = up[i] > 0.0f ? up[i] : 0.0f;
      } else {
        GeluForwardAndSlope(up, count, act + r0 * I, slope + r0 * I);
      }
      std::fill(dact + r0 * I, dact + r1 * I, 0.0f);
    });
    DenseRowsBackwardThreads(threads, act, static_cast<int>(R), layer.output, dbranch, &gl.output, dact,
                             lt.output.data());
    SplitRows(threads, R, [&](long r0, long r1) {
      const float* up = t.up.data() + r0 * I;
      float* d = dact + r0 * I;
      const long count = (r1 - r0) * I;
      if (c.activation == Activation::kRelu) {
        for (long i = 0; i < count; ++i) d[i] = up[i] > 0.0f ? d[i] : 0.0f;
      } else {
        MultiplyBy(slope + r0 * I, count, d);
      }
    });
    DenseRowsBackwardThreads(threads, t.a.data(), static_cast<int>(R), layer.intermediate, dact, &gl.intermediate,
                             drows, lt.intermediate.data());
    LayerNormBackwardThreads(threads, t.ln1_hat.data(), t.ln1_rstd.data(), layer.attention_norm.gamma.data(), drows,
                             static_cast<int>(R), H, gl.attention_norm.gamma.data(), gl.attention_norm.beta.data(),
                             drows);
    SplitRows(threads, R, [&](long r0, long r1) {
      std::copy(drows + r0 * H, drows + r1 * H, dbranch + r0 * H);
      if (hidden_p > 0) ApplyKeep(t.attention_keep.data() + r0 * H, (r1 - r0) * H, dbranch + r0 * H);
    });
    // The attention block.
    std::fill(b->dcontext.begin(), b->dcontext.begin() + rh, 0.0f);
    DenseRowsBackwardThreads(threads, t.context.data(), static_cast<int>(R), layer.attention_output, dbranch,
                             &gl.attention_output, b->dcontext.data(), lt.attention_output.data());
    const float* keep = attention_p > 0 ? t.keep.data() : nullptr;
    if (cls_only) {
      each_sequence([&](TrainingState*, int r, long at, int n) {
        const long pa = static_cast<long>(c.heads) * at;
        ClsAttentionBackward(c, t.q.data() + r * H, t.k.data() + at * H, t.v.data() + at * H, n, t.probs.data() + pa,
                             keep ? keep + pa : nullptr, b->dcontext.data() + r * H, b->dq.data() + r * H,
                             b->dk.data() + at * H, b->dv.data() + at * H);
      });
      // The query's input is the [CLS] rows; the keys' and values' every row, whose gradient starts here.
      gather_cls(t.x_in.data(), xq);
      DenseRowsBackwardThreads(threads, xq, batch, layer.query, b->dq.data(), &gl.query, dxq, lt.query.data());
      std::fill(dx, dx + th, 0.0f);
    } else {
      each_sequence([&](TrainingState* s, int r, long at, int n) {
        const long pa = b->probs_start[r];
        AttentionHeadsBackward(c, t.q.data() + at * H, t.k.data() + at * H, t.v.data() + at * H, n, t.probs.data() + pa,
                               keep ? keep + pa : nullptr, keep ? t.dropped.data() + pa : nullptr,
                               b->dcontext.data() + at * H, &s->head_grads, b->dq.data() + at * H,
                               b->dk.data() + at * H, b->dv.data() + at * H);
      });
      DenseRowsBackwardThreads(threads, t.x_in.data(), T, layer.query, b->dq.data(), &gl.query, dx, lt.query.data());
    }
    DenseRowsBackwardThreads(threads, t.x_in.data(), T, layer.key, b->dk.data(), &gl.key, dx, lt.key.data());
    DenseRowsBackwardThreads(threads, t.x_in.data(), T, layer.value, b->dv.data(), &gl.value, dx, lt.value.data());
    if (cls_only) add_cls(dxq, dx);
  }
  if (hidden_p > 0) ApplyKeep(b->embedding_keep.data(), th, dx);
  for (int r = 0; r < batch; ++r) {
    const long at = b->start[r];
    EmbeddingsBackward(c, w, ids + static_cast<long>(r) * seq, type_ids + static_cast<long>(r) * seq, b->length[r],
                       b->emb_hat.data() + at * H, b->emb_rstd.data() + at, dx + at * H, g);
  }
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
                        TransformerWeights* grad, const TrainingDropout& dropout, TrainingWorkspace* workspace,
                        bool grad_zeroed) {
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
  w.transposes_.resize(c.layers);
  // Six weights a layer, shared by the threads.
  ParallelChunks(
      static_cast<size_t>(c.layers) * 6, 1, threads, [] { return 0; },
      [&](int, size_t job, size_t) {
        const LayerWeights& layer = model.weights().layers[job / 6];
        LayerTransposes& t = w.transposes_[job / 6];
        const std::pair<const DenseWeights*, device::Buffer*> which[6] = {
            {&layer.query, &t.query},
            {&layer.key, &t.key},
            {&layer.value, &t.value},
            {&layer.attention_output, &t.attention_output},
            {&layer.intermediate, &t.intermediate},
            {&layer.output, &t.output}};
        TransposeWeights(*which[job % 6].first, which[job % 6].second);
      });
  if (!w.tape_) w.tape_ = std::make_unique<BatchTape>();
  BatchTape& b = *w.tape_;
  // The sequences' rows stacked, unpadded: where each starts, and its attention block.
  b.start.assign(batch + 1, 0);
  b.probs_start.assign(batch + 1, 0);
  b.length.assign(batch, 0);
  b.rngs.clear();
  int longest = 1;
  for (int r = 0; r < batch; ++r) {
    const int n = model.RowLength(mask ? mask + static_cast<long>(r) * seq : nullptr, seq);
    b.length[r] = n;
    longest = std::max(longest, n);
    b.start[r + 1] = b.start[r] + n;
    b.probs_start[r + 1] = b.probs_start[r] + static_cast<long>(c.heads) * n * n;
    b.rngs.emplace_back(DropoutRowSeed(dropout.seed, r));
  }
  b.Reserve(b.start[batch], b.probs_start[batch], batch, c, dropout);
  for (int r = 0; r < batch; ++r) {
    const long row = static_cast<long>(r) * seq;
    for (int t = 0; t < b.length[r]; ++t) b.key_mask[b.start[r] + t] = mask ? (mask[row + t] != 0) : 1;
  }
  const size_t workers = static_cast<size_t>(std::max(1, threads));
  while (w.states_.size() < workers) w.states_.push_back(std::make_unique<TrainingState>());
  for (auto& s : w.states_) {
    s->heads.dropout = false;
    s->heads.Reserve(longest, c);
    s->head_grads.Reserve(longest, c);
  }
  if (!grad_zeroed) grad->Zero();
  double loss = 0.0;
  BatchLossAndGradients(c, model.weights(), ids, type_ids, labels, batch, seq, threads, dropout.hidden,
                        dropout.attention, w.transposes_, w.states_, &b, &loss, grad);
  return loss;
}

}  // namespace transformer
}  // namespace ernie_slim
