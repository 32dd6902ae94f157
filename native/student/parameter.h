// A named weight tensor of a student (ONNX layout, row-major) with its AdamW moments, and the initialisers the
// encoders and the head draw their starting values with.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "quantized_table.h"
#include "util/random.h"

namespace ernie_slim {
namespace student {

struct Parameter {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> value;
  std::vector<float> m, v;  // AdamW moments; the embedding keeps both in m, interleaved per row [m | v]
                            // (one memory stream per row update instead of two), and v is empty
  bool decay = false;       // decoupled weight decay applies
  bool sparse = false;      // the embedding: row-sparse gradients, lazy updates
  // A compact student's embedding: read through this table; value and moments stay empty (prediction only).
  std::shared_ptr<const QuantizedTable> quantized;

  size_t size() const { return value.size(); }
};

// A parameter of this shape, zero-filled, with zero moments.
Parameter NewParameter(const std::string& name, std::vector<int64_t> shape, bool decay, bool sparse);

// Every value uniform in [-limit, limit), drawn from rng in storage order.
void FillUniform(Parameter* p, float limit, Random* rng);

// Glorot (Xavier) uniform limit sqrt(6 / (fan_in + fan_out)).
float GlorotLimit(int64_t fan_in, int64_t fan_out);

}  // namespace student
}  // namespace ernie_slim
