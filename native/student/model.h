// The students: configuration, named weights (ONNX layouts), forward and backward of one token row.
//
// Notation: ids = x_0..x_{n-1} (word ids, 1 <= x_t < V), E = embDim, H = hidden, L = numLabels,
// V = vocabSize, B = bigramBuckets, row-major tensors, `@` = MatMul with W laid out [in, out].
// softsign(u) = u / (1 + |u|). Row 0 ([PAD]) of `embedding` is never read nor updated.
// An empty row (n = 0) gives a zero pooled vector.
//
// bow   embedding [V+B, E], dense1.weight [E, H], dense1.bias [H], dense2.weight [H, L], dense2.bias [L]
//         s      = sum_t embedding[x_t] + sum_{t=1..n-1} embedding[V + ((x_{t-1} * 1000003 + x_t) mod B)]
//                  (the bigram sum only when B > 0; int64 arithmetic)
//         h      = tanh(softsign(s) @ dense1.weight + dense1.bias)
//         logits = h @ dense2.weight + dense2.bias
//
// cnn   embedding [V, E], conv.weight [3, E, H], conv.bias [H], dense.weight [H, L], dense.bias [L]
//         X[t]   = embedding[x_t]                                   X [n, E];  X[-1] = X[n] = 0
//         C[t]   = relu(conv.bias + sum_{k=0..2} X[t-1+k] @ conv.weight[k])     C [n, H]
//         logits = softsign(sum_t C[t]) @ dense.weight + dense.bias
//         (ONNX Conv: weight = transpose(conv.weight, [2, 1, 0]) -> [H, E, 3], pads [1, 1], input [1, E, n])
//
// lstm  embedding [V, E], lstm.W [2, 4H, E], lstm.R [2, 4H, H], lstm.B [2, 8H],
//       dense.weight [2H, L], dense.bias [L]
//         X[t]   = embedding[x_t]
//         Y      = ONNX LSTM(X, W = lstm.W, R = lstm.R, B = lstm.B, direction = "bidirectional",
//                  hidden_size = H, default activations, no peepholes, zero initial state)
//                  gate order i, o, f, c; direction 0 forward, 1 reverse; Y [n, 2, 1, H]
//         m[d*H + j] = max_t Y[t, d, 0, j]                           m [2H]  (ReduceMax over time)
//         logits = m @ dense.weight + dense.bias
//
// Every student is an encoder (a token row -> a vector) and a head on it:
//   bow  enc = h [H], head dense2;   cnn  enc = softsign(sum_t C[t]) [H], head dense;   lstm  enc = m [2H], head dense.
//
// pair (two towers, config.pair): text_a's ids a and text_b's ids b go through the same encoder (embedding and
// encoder weights named as above, shared); the match head replaces dense2 / dense. D = the encoder's width
// (bow, cnn H; lstm 2H), M = config.match_hidden:
//         u = enc(a), v = enc(b)                                             u, v [D]
//         f = [u, v, |u - v|, u * v]                                         f [4D]  (match_features.h)
//   M > 0: match.weight [4D, M], match.bias [M], classifier.weight [M, L], classifier.bias [L]
//         logits = tanh(f @ match.weight + match.bias) @ classifier.weight + classifier.bias
//   M = 0: classifier.weight [4D, L], classifier.bias [L]
//         logits = f @ classifier.weight + classifier.bias
//
// Weight decay applies to dense*.weight, conv.weight, lstm.W, lstm.R, match.weight and classifier.weight; never to
// biases or embeddings.
// tanh and sigmoid are computed with a vectorized exp (|error| < 1e-7, activations.h); standard ONNX Tanh /
// Sigmoid / LSTM reproduce the logits far within 1e-4.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "loss.h"
#include "sparse_gradient.h"
#include "util/random.h"

namespace ernie_slim {
namespace student {

enum class Kind { kBow, kCnn, kLstm };

struct Config {
  Kind kind = Kind::kBow;
  int32_t vocab_size = 2;
  int32_t bigram_buckets = 0;
  int embed_dim = 128;
  int hidden = 128;
  int num_labels = 2;
  uint32_t seed = 1;
  bool pair = false;     // two towers over text_a and text_b
  int match_hidden = 0;  // pair: hidden units of the match head (0: logits straight from the features)

  int64_t embedding_rows() const { return static_cast<int64_t>(vocab_size) + bigram_buckets; }
  // The encoder's output width D.
  int encoded_width() const { return kind == Kind::kLstm ? 2 * hidden : hidden; }
  // Empty when valid, else what is wrong.
  std::string Validate() const;
};

const char* KindName(Kind kind);
bool ParseKind(const std::string& name, Kind* kind);

struct Parameter {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> value;
  std::vector<float> m, v;  // AdamW moments; the embedding keeps both in m, interleaved per row [m | v]
                            // (one memory stream per row update instead of two), and v is empty
  bool decay = false;        // decoupled weight decay applies
  bool sparse = false;       // the embedding: row-sparse gradients, lazy updates

  size_t size() const { return value.size(); }
};

class Model;

// The word ids of one text.
struct TokenSpan {
  const int32_t* ids = nullptr;
  int n = 0;
};

// One row of a batch: its text (and text_b for a pair model; b.ids is null otherwise) and its target.
struct RowRef {
  TokenSpan a, b;
  Target target;
};

// One encoder pass over one token row: activations and their gradients, grown to the longest row seen.
struct EncoderActivations {
  std::vector<float> x, dx;     // [n, E]
  std::vector<float> a, da;     // bow: bag [E] | cnn: conv [n, H] | lstm: gates [2, n, 4H], da [n, 4H]
  std::vector<float> b, db;     // bow: softsign [E] | lstm: cells [2, n, H]
  std::vector<float> c, dc;     // bow: hidden = output [H] | cnn: pooled [H] | lstm: h [2, n, H]
  std::vector<float> d, dd;     // cnn: softsign(pooled) = output [H] | lstm: max-pooled = output [2H]
  std::vector<int32_t> argmax;  // lstm: time step of each max [2H]
  std::vector<float> lstm_scratch;
  std::vector<float> mask, dropped;  // feature dropout: {0, 1/(1-p)} per output unit, and the output times it [D]
};

// Everything one thread needs to run the model: activations of the current row and the gradients of the
// current batch. Threads share only the Model's weights.
class State {
 public:
  State(const Model& model, bool training);

  void ZeroGradients();
  double GradientSquaredNorm() const;

  std::vector<std::vector<float>> grads;  // per parameter; empty for the embedding
  SparseRowGradient embedding_grad;

  EncoderActivations towers[2];       // text_a (the only one of a one-text model), text_b
  std::vector<float> features, dfeatures;  // pair: [4D]
  std::vector<float> match, dmatch;        // pair: match hidden [M]
  std::vector<float> du, dv;               // pair: gradients of the two encodings [D]
  std::vector<float> logits, dlogits, loss_scratch;
  // bow's batched path: [rows, E] bag and softsign(bag), [rows, H] hidden, [rows, L] logits, and gradients
  std::vector<float> batch_bag, batch_soft, batch_hidden, batch_logits, batch_dlogits, batch_dhidden, batch_dsoft;
  std::vector<RowRef> batch_rows;
  std::vector<int32_t> kept_ids;  // the batch's tokens left after word dropout
  std::vector<float> batch_mask, batch_dropped;  // bow's batched path under feature dropout: [rows, H]

  // Feature dropout (training): each unit of the encoder output is zeroed with this probability and the rest
  // scaled by 1/(1-p), the masks drawn from *dropout_rng; 0 or no rng: none (prediction never drops).
  float feature_dropout = 0.0f;
  Random* dropout_rng = nullptr;

 private:
  void Reserve(const Model& model, int tower, int n);
  friend class Model;
};

class Model {
 public:
  explicit Model(const Config& config);

  const Config& config() const { return config_; }
  std::vector<Parameter>& parameters() { return params_; }
  const std::vector<Parameter>& parameters() const { return params_; }
  int FindParameter(const std::string& name) const;

  // Logits of one row (pointer into state->logits); `b` is text_b for a pair model, ignored otherwise.
  const float* Forward(TokenSpan a, TokenSpan b, State* state) const;
  // Forward, loss, and backward of one row: adds weight * dLoss into state's gradients; returns the loss.
  float ForwardBackward(const RowRef& row, const LossOptions& options, float weight, State* state) const;

  // ForwardBackward over a batch (one-text bow runs its dense layers as matrix products); returns the summed loss.
  double ForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                              State* state) const;

  // One AdamW step from state's gradients (embedding rows lazily). False when a new weight would not be finite
  // (that weight is left unchanged).
  bool ApplyAdamW(const State& state, int64_t step, float lr, float weight_decay, float grad_scale);

 private:
  void Init();
  // The encoder's output for `ids` in towers[tower] (a pointer into it).
  const float* Encode(TokenSpan ids, int tower, State* s) const;
  // Given d(output) in the tower's output-gradient buffer, adds the encoder's weight gradients.
  void EncodeBackward(TokenSpan ids, int tower, State* s) const;
  float* EncodedGradient(int tower, State* s) const;
  // Feature dropout on tower's output u (when s asks for it): u times a fresh mask, else u itself.
  const float* DropFeatures(const float* u, int tower, State* s) const;
  // d(output) times the mask DropFeatures drew (when it drew one).
  void MaskEncodedGradient(int tower, State* s) const;
  void Head(const float* u, const float* v, State* s) const;
  // From s->dlogits: the head's weight gradients, and d(encoding) in each tower's output-gradient buffer.
  void HeadBackward(const float* u, const float* v, State* s) const;
  double BowForwardBackwardBatch(const RowRef* rows, int count, const LossOptions& options, float weight,
                                 State* s) const;

  Config config_;
  std::vector<Parameter> params_;
  int head_ = 0;  // index of the head's first parameter
};

}  // namespace student
}  // namespace ernie_slim
