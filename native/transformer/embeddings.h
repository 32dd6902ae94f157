// The embeddings of one sequence of n tokens: x[t] = LayerNorm(word[id_t] + position[t] + token_type[type_t]
// (+ task_type[0], ERNIE 3.0's use_task_id)).
#pragma once
#include <cstdint>

#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

void EmbeddingsForward(const TransformerConfig& config, const TransformerWeights& weights, const int32_t* ids,
                       const int32_t* type_ids, int n, float* x);

}  // namespace transformer
}  // namespace ernie_slim
