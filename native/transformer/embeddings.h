// The embeddings of one sequence of n tokens: x[t] = LayerNorm(word[id_t] + position[t] + token_type[type_t]
// (+ task_type[0], ERNIE 3.0's use_task_id)). Backward: the LayerNorm's, then the rows' gradients add to
// the rows of each table that the tokens used.
#pragma once
#include <cstdint>

#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

void EmbeddingsForward(const TransformerConfig& config, const TransformerWeights& weights, const int32_t* ids,
                       const int32_t* type_ids, int n, float* x, float* x_hat = nullptr, float* rstd = nullptr);

// dx [n, H] is overwritten (it becomes the gradient of the sum before the LayerNorm).
void EmbeddingsBackward(const TransformerConfig& config, const TransformerWeights& weights, const int32_t* ids,
                        const int32_t* type_ids, int n, const float* x_hat, const float* rstd, float* dx,
                        TransformerWeights* grad);

}  // namespace transformer
}  // namespace ernie_slim
