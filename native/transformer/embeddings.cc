#include "transformer/embeddings.h"

#include "transformer/layer_norm.h"

namespace ernie_slim {
namespace transformer {

void EmbeddingsForward(const TransformerConfig& c, const TransformerWeights& w, const int32_t* ids,
                       const int32_t* type_ids, int n, float* x) {
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
  LayerNormForward(x, n, H, w.embedding_norm.gamma.data(), w.embedding_norm.beta.data(), c.layer_norm_eps, x);
}

}  // namespace transformer
}  // namespace ernie_slim
