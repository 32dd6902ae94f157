// A student's hyper-parameters: which encoder, its sizes, and the head over it (model.h).
#pragma once
#include <cstdint>
#include <string>

namespace ernie_slim {
namespace student {

// The encoder kinds; CreateEncoder (encoder.h) is the one place that maps a kind to its encoder.
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
  // A compact student: the embedding comes as a QuantizedTable (set after construction); no float table is made.
  bool quantized_embedding = false;

  int64_t embedding_rows() const { return static_cast<int64_t>(vocab_size) + bigram_buckets; }
  // Empty when valid, else what is wrong.
  std::string Validate() const;
};

}  // namespace student
}  // namespace ernie_slim
