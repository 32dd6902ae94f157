#include "encoder.h"

#include <algorithm>

#include "bow_encoder.h"
#include "cnn_encoder.h"
#include "lstm_encoder.h"

namespace ernie_slim {
namespace student {

std::unique_ptr<Encoder> CreateEncoder(const Config& config) {
  switch (config.kind) {
    case Kind::kBow: return std::make_unique<BowEncoder>(config);
    case Kind::kCnn: return std::make_unique<CnnEncoder>(config);
    case Kind::kLstm: return std::make_unique<LstmEncoder>(config);
  }
  return nullptr;
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kBow: return "bow";
    case Kind::kCnn: return "cnn";
    case Kind::kLstm: return "lstm";
  }
  return "?";
}

bool ParseKind(const std::string& name, Kind* kind) {
  if (name == "bow") *kind = Kind::kBow;
  else if (name == "cnn") *kind = Kind::kCnn;
  else if (name == "lstm") *kind = Kind::kLstm;
  else return false;
  return true;
}

Parameter NewEmbedding(int64_t rows, int dim, Random* rng) {
  Parameter p = NewParameter("embedding", {rows, dim}, false, true);
  FillUniform(&p, 0.1f, rng);
  std::fill(p.value.begin(), p.value.begin() + dim, 0.0f);  // [PAD]
  return p;
}

}  // namespace student
}  // namespace ernie_slim
