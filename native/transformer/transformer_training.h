// The classifier's loss and gradients: a forward pass that keeps what the backward pass needs (a tape per
// layer), the mean softmax cross-entropy over the batch's rows, and the backward pass through every layer:
//   dlogits = (softmax(logits) - onehot(label)) / batch; classifier and pooler dense backward, tanh' = 1 - y^2;
//   per layer, last first: LayerNorm backward, feed-forward backward plus the residual, LayerNorm backward,
//   self-attention backward plus the residual; the embeddings' LayerNorm and table rows.
// Rows run unpadded, each thread into gradients of its own, summed at the end.
#pragma once
#include <cstdint>

#include "transformer/transformer_classifier.h"

namespace ernie_slim {
namespace transformer {

// Returns the mean loss; grad (shaped for the model's config) receives the gradients, overwritten.
// Throws std::invalid_argument for a label outside [0, labels) and for what ForwardBatch refuses.
double LossAndGradients(const TransformerClassifier& model, const int32_t* ids, const int32_t* type_ids,
                        const int32_t* mask, const int32_t* labels, int batch, int seq, int threads,
                        TransformerWeights* grad);

}  // namespace transformer
}  // namespace ernie_slim
