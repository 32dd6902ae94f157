#include "parameter.h"

#include <cmath>

namespace ernie_slim {
namespace student {

Parameter NewParameter(const std::string& name, std::vector<int64_t> shape, bool decay, bool sparse) {
  Parameter p;
  p.name = name;
  p.shape = std::move(shape);
  int64_t size = 1;
  for (int64_t d : p.shape) size *= d;
  p.value.assign(size, 0.0f);
  if (sparse) {
    p.m.assign(2 * size, 0.0f);
  } else {
    p.m.assign(size, 0.0f);
    p.v.assign(size, 0.0f);
  }
  p.decay = decay;
  p.sparse = sparse;
  return p;
}

void FillUniform(Parameter* p, float limit, Random* rng) {
  for (float& w : p->value) w = rng->Uniform(-limit, limit);
}

float GlorotLimit(int64_t fan_in, int64_t fan_out) {
  return static_cast<float>(std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)));
}

}  // namespace student
}  // namespace ernie_slim
