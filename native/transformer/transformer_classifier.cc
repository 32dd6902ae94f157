#include "transformer/transformer_classifier.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "transformer/cls_attention.h"
#include "transformer/dense_rows.h"
#include "transformer/embeddings.h"
#include "transformer/layer_norm.h"
#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace transformer {

void TransformerScratch::Reserve(int n, const TransformerConfig& c) {
  const size_t nh = static_cast<size_t>(n) * c.hidden;
  if (x.size() < nh) x.resize(nh);
  if (branch.size() < nh) branch.resize(nh);
  if (pooled.size() < static_cast<size_t>(c.hidden)) pooled.resize(c.hidden);
  if (key_mask.size() < static_cast<size_t>(n)) key_mask.resize(n);
  attention.Reserve(n, c);
  feed_forward.Reserve(n, c);
}

TransformerClassifier::TransformerClassifier(const TransformerConfig& config, TransformerWeights weights)
    : config_(config), weights_(std::move(weights)) {}

void TransformerClassifier::ForwardRow(const int32_t* ids, const int32_t* type_ids, const uint8_t* key_mask, int n,
                                       TransformerScratch* s, float* logits) const {
  const TransformerConfig& c = config_;
  const int H = c.hidden;
  float* x = s->x.data();
  float* branch = s->branch.data();
  EmbeddingsForward(c, weights_, ids, type_ids, n, x);
  auto add_and_norm = [&](const LayerNormWeights& norm, int rows) {
    for (long i = 0; i < static_cast<long>(rows) * H; ++i) x[i] += branch[i];
    LayerNormForward(x, rows, H, norm.gamma.data(), norm.beta.data(), c.layer_norm_eps, x);
  };
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const LayerWeights& layer = weights_.layers[l];
    if (l + 1 < weights_.layers.size()) {
      SelfAttentionForward(c, layer, x, key_mask, n, &s->attention, branch);
      add_and_norm(layer.attention_norm, n);
      FeedForwardForward(c, layer, x, n, &s->feed_forward, branch);
      add_and_norm(layer.output_norm, n);
      continue;
    }
    // The last layer past its keys and values for the [CLS] row alone: the pooler reads nothing else.
    AttentionScratch& a = s->attention;
    DenseRowsForward(x, 1, layer.query, a.q.data());
    DenseRowsForward(x, n, layer.key, a.k.data());
    DenseRowsForward(x, n, layer.value, a.v.data());
    ClsAttentionForward(c, a.q.data(), a.k.data(), a.v.data(), key_mask, n, a.probs.data(), nullptr, a.context.data());
    DenseRowsForward(a.context.data(), 1, layer.attention_output, branch);
    add_and_norm(layer.attention_norm, 1);
    FeedForwardForward(c, layer, x, 1, &s->feed_forward, branch);
    add_and_norm(layer.output_norm, 1);
  }
  float* pooled = s->pooled.data();
  DenseRowsForward(x, 1, weights_.pooler, pooled);
  for (int j = 0; j < H; ++j) pooled[j] = std::tanh(pooled[j]);
  DenseRowsForward(pooled, 1, weights_.classifier, logits);
}

void TransformerClassifier::CheckBatch(const int32_t* ids, const int32_t* type_ids, int batch, int seq) const {
  const TransformerConfig& c = config_;
  if (seq > c.max_positions) {
    throw std::invalid_argument("sequences of " + std::to_string(seq) + " tokens exceed the model's " +
                                std::to_string(c.max_positions) + " positions");
  }
  const long cells = static_cast<long>(batch) * seq;
  for (long i = 0; i < cells; ++i) {
    if (ids[i] < 0 || ids[i] >= c.vocab_size) {
      throw std::invalid_argument("token id " + std::to_string(ids[i]) + " is outside the vocabulary of " +
                                  std::to_string(c.vocab_size));
    }
    if (type_ids[i] < 0 || type_ids[i] >= c.type_vocab_size) {
      throw std::invalid_argument("token type " + std::to_string(type_ids[i]) + " is outside the " +
                                  std::to_string(c.type_vocab_size) + " token types");
    }
  }
}

int TransformerClassifier::RowLength(const int32_t* row_mask, int seq) {
  if (!row_mask) return seq;
  int n = seq;
  while (n > 0 && row_mask[n - 1] == 0) --n;
  return n == 0 ? seq : n;
}

void TransformerClassifier::ForwardBatch(const int32_t* ids, const int32_t* type_ids, const int32_t* mask, int batch,
                                         int seq, int threads, float* logits) const {
  const TransformerConfig& c = config_;
  CheckBatch(ids, type_ids, batch, seq);
  ParallelChunks(
      static_cast<size_t>(batch), 1, threads,
      [&] {
        TransformerScratch s;
        s.Reserve(seq, c);
        return s;
      },
      [&](TransformerScratch& s, size_t begin, size_t end) {
        for (size_t r = begin; r < end; ++r) {
          const long row = static_cast<long>(r) * seq;
          const int n = RowLength(mask ? mask + row : nullptr, seq);
          for (int t = 0; t < n; ++t) s.key_mask[t] = mask ? (mask[row + t] != 0) : 1;
          ForwardRow(ids + row, type_ids + row, s.key_mask.data(), n, &s, logits + r * c.labels);
        }
      });
}

}  // namespace transformer
}  // namespace ernie_slim
