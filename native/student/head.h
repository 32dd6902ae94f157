// The head: an encoder's output (width D, encoder.h) -> logits [L]. It reads nothing of the encoder but D.
//
// one text: <name>.weight [D, L], <name>.bias [L]     (name: the encoder's head_name(), dense2 for bow, else dense)
//         logits = enc(x) @ <name>.weight + <name>.bias
//
// pair (two towers, config.pair): text_a's ids a and text_b's ids b go through the same encoder (embedding and
// encoder weights shared); the match head compares them. M = config.match_hidden:
//         u = enc(a), v = enc(b)                                             u, v [D]
//         f = [u, v, |u - v|, u * v]                                         f [4D]  (match_features.h)
//   M > 0: match.weight [4D, M], match.bias [M], classifier.weight [M, L], classifier.bias [L]
//         logits = tanh(f @ match.weight + match.bias) @ classifier.weight + classifier.bias
//   M = 0: classifier.weight [4D, L], classifier.bias [L]
//         logits = f @ classifier.weight + classifier.bias
//
// Weights start Glorot-uniform, biases zero; weight decay applies to the weights, never to the biases.
#pragma once
#include <string>
#include <vector>

#include "parameter.h"
#include "util/random.h"

namespace ernie_slim {
namespace student {

// The pair head's activations and their gradients.
struct HeadActivations {
  std::vector<float> features, dfeatures;  // f [4D]
  std::vector<float> match, dmatch;        // tanh(f @ match.weight + match.bias) [M]
};

class Head {
 public:
  // width: the encoder's D; one_text_name: the one-text head's parameter prefix.
  Head(int width, int labels, bool pair, int match_hidden, const std::string& one_text_name);

  // The head's parameters, with starting values drawn from rng in this order.
  std::vector<Parameter> NewParameters(Random* rng) const;
  HeadActivations NewActivations() const;

  // `params` are the head's, in NewParameters' order; v is null for a one-text model.
  void Forward(const Parameter* params, const float* u, const float* v, HeadActivations* a, float* logits) const;
  // Adds the head's weight gradients for d(logits) and writes d(u) (and d(v) for a pair) [D].
  void Backward(const Parameter* params, const float* u, const float* v, const float* dlogits, HeadActivations* a,
                std::vector<float>* grads, float* du, float* dv) const;

  // One-text head over `count` rows as matrix products: in [count, D] -> logits [count, L].
  void ForwardRows(const Parameter* params, const float* in, int count, float* logits) const;
  // Adds the weight gradients and writes d(in) [count, D].
  void BackwardRows(const Parameter* params, const float* in, const float* dlogits, int count,
                    std::vector<float>* grads, float* din) const;

 private:
  int width_, labels_;
  bool pair_;
  int match_hidden_;
  std::string one_text_name_;
};

}  // namespace student
}  // namespace ernie_slim
