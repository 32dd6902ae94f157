// The classifier's loss and gradients: a forward pass that keeps what the backward pass needs (a tape per
// layer), the mean softmax cross-entropy over the batch's rows, and the backward pass through every layer:
//   dlogits = (softmax(logits) - onehot(label)) / batch; classifier and pooler dense backward, tanh' = 1 - y^2;
//   per layer, last first: LayerNorm backward, feed-forward backward plus the residual, LayerNorm backward,
//   self-attention backward plus the residual; the embeddings' LayerNorm and table rows.
// The batch's sequences run unpadded, their token rows stacked: every dense layer (Q/K/V, attention output,
// feed-forward in and out, pooler, classifier) forward and backward is one product over all the rows, shared by
// the threads; embeddings and attention run sequence by sequence. The last layer computes its keys and values
// over every row and everything else over each sequence's [CLS] row alone (cls_attention.h): the pooler reads
// nothing more, so the loss and the gradients are those of the whole layer.
// Dropout (training), as BERT has it: hidden dropout on the embeddings' output, on the attention block's and the
// feed-forward block's outputs (before the residual) and on the pooled vector (before the classifier);
// attention dropout on the attention weights. Each row draws its masks from its own stream,
// Random(DropoutRowSeed(seed, row)), one Unit() per unit, in this order: embeddings [n, H]; per layer the
// attention weights [heads, n, n], the attention output [n, H], the feed-forward output [n, H]; pooled [H]
// (a site whose probability is 0 draws nothing). A unit is dropped when Unit() < p, else scaled by 1/(1-p).
// The units the last layer does not compute still take their draws (skipped), so the masks do not depend on it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transformer/transformer_classifier.h"

namespace ernie_slim {
namespace transformer {

struct TrainingDropout {
  float hidden = 0.0f;
  float attention = 0.0f;
  uint64_t seed = 0;
};

// The seed of row `row`'s dropout stream: SplitMix64's output function of seed + (row + 1) * golden ratio.
uint64_t DropoutRowSeed(uint64_t seed, int row);

struct TrainingState;
struct BatchTape;

// The batch's tape and the threads' attention scratch, kept from one batch to the next so that a step
// allocates nothing; the dense weights' transposes are made once per batch for the backward products.
class TrainingWorkspace {
 public:
  TrainingWorkspace();
  ~TrainingWorkspace();

 private:
  friend double LossAndGradients(const TransformerClassifier&, const int32_t*, const int32_t*, const int32_t*,
                                 const int32_t*, int, int, int, TransformerWeights*, const TrainingDropout&,
                                 TrainingWorkspace*, bool);
  std::unique_ptr<BatchTape> tape_;
  std::vector<std::unique_ptr<TrainingState>> states_;
  std::vector<LayerTransposes> transposes_;
};

// Returns the mean loss; grad (shaped for the model's config) receives the gradients, overwritten.
// Throws std::invalid_argument for a label outside [0, labels) and for what ForwardBatch refuses (grad
// untouched then). workspace (null: one for this call) must serve one model's config at a time.
// grad_zeroed: grad holds zeros already (a trainer that clears it as it updates), so it is not cleared again.
double LossAndGradients(const TransformerClassifier& model, const int32_t* ids, const int32_t* type_ids,
                        const int32_t* mask, const int32_t* labels, int batch, int seq, int threads,
                        TransformerWeights* grad, const TrainingDropout& dropout = {},
                        TrainingWorkspace* workspace = nullptr, bool grad_zeroed = false);

}  // namespace transformer
}  // namespace ernie_slim
