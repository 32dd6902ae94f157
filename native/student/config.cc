#include "config.h"

namespace ernie_slim {
namespace student {

std::string Config::Validate() const {
  if (vocab_size < 2) return "vocabSize must be at least 2 ([PAD] and [UNK])";
  if (bigram_buckets < 0) return "bigramBuckets must be >= 0";
  if (bigram_buckets > 0 && kind != Kind::kBow) return "bigramBuckets is only supported by the bow student";
  if (embedding_rows() > 0x7fffffffLL) return "vocabSize + bigramBuckets must fit in int32";
  if (embed_dim < 1 || embed_dim > 65536) return "embDim must be in 1..65536";
  if (hidden < 1 || hidden > 65536) return "hidden must be in 1..65536";
  if (num_labels < 2 || num_labels > 65536) return "numLabels must be in 2..65536";
  if (match_hidden < 0 || match_hidden > 65536) return "matchHidden must be in 0..65536";
  if (match_hidden > 0 && !pair) return "matchHidden applies to pair models only";
  if (quantized_embedding && kind != Kind::kBow) return "a quantized embedding is supported by the bow student only";
  return "";
}

}  // namespace student
}  // namespace ernie_slim
