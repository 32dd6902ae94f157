#include "transformer/embeddings.h"

#include "transformer/layer_norm.h"

namespace ernie_slim {
namespace transformer {

void EmbeddingsForward(const TransformerConfig& c, const TransformerWeights& w, const int32_t* ids,
                       const int32_t* type_ids, int n, float* x, float* x_hat, float* rstd) {
  const int H = c.hidden;
  for (int t = 0; t < n; ++t) {
    const float* word = w.word_embeddings.data() + static_cast<long>(ids[t]) * H;
    const float* position = w.position_embeddings.data() + static_cast<long>(t) * H;
    const float* type = w.token_type_embeddings.data() + static_cast<long>(type_ids[t]) * H;
    float* xt = x + static_cast<long>(t) * H;
    for (int j = 0; j < H; ++j) xt[j] = word[j] + position[j] + type[j];
    if (c.task_type_vocab_size > 0) {
      for (int j = 0; j < H; ++j) xt[j] += w.task_type_embeddings[j];
    }
  }
  LayerNormForward(x, n, H, w.embedding_norm.gamma.data(), w.embedding_norm.beta.data(), c.layer_norm_eps, x, x_hat,
                   rstd);
}

void EmbeddingsBackward(const TransformerConfig& c, const TransformerWeights& w, const int32_t* ids,
                        const int32_t* type_ids, int n, const float* x_hat, const float* rstd, float* dx,
                        TransformerWeights* grad) {
  const int H = c.hidden;
  LayerNormBackward(x_hat, rstd, w.embedding_norm.gamma.data(), dx, n, H, grad->embedding_norm.gamma.data(),
                    grad->embedding_norm.beta.data(), dx);
  for (int t = 0; t < n; ++t) {
    const float* dxt = dx + static_cast<long>(t) * H;
    float* word = grad->word_embeddings.data() + static_cast<long>(ids[t]) * H;
    float* position = grad->position_embeddings.data() + static_cast<long>(t) * H;
    float* type = grad->token_type_embeddings.data() + static_cast<long>(type_ids[t]) * H;
    for (int j = 0; j < H; ++j) {
      word[j] += dxt[j];
      position[j] += dxt[j];
      type[j] += dxt[j];
    }
    if (c.task_type_vocab_size > 0) {
      for (int j = 0; j < H; ++j) grad->task_type_embeddings[j] += dxt[j];
    }
  }
}

}  // namespace transformer
}  // namespace ernie_slim
