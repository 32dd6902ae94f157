#include "transformer/transformer_weights.h"

#include <algorithm>
#include <stdexcept>

namespace ernie_slim {
namespace transformer {

namespace {

void SizeDense(DenseWeights* d, int in, int out) {
  d->in = in;
  d->out = out;
  d->w.assign(static_cast<size_t>(in) * out, 0.0f);
  d->b.assign(out, 0.0f);
}

void SizeNorm(LayerNormWeights* n, int h) {
  n->gamma.assign(h, 1.0f);
  n->beta.assign(h, 0.0f);
}

}  // namespace

TransformerWeights::TransformerWeights(const TransformerConfig& c) : task_types_(c.task_type_vocab_size) {
  const size_t H = c.hidden;
  word_embeddings.assign(c.vocab_size * H, 0.0f);
  position_embeddings.assign(c.max_positions * H, 0.0f);
  token_type_embeddings.assign(c.type_vocab_size * H, 0.0f);
  task_type_embeddings.assign(c.task_type_vocab_size * H, 0.0f);
  SizeNorm(&embedding_norm, c.hidden);
  layers.resize(c.layers);
  for (LayerWeights& l : layers) {
    SizeDense(&l.query, c.hidden, c.hidden);
    SizeDense(&l.key, c.hidden, c.hidden);
    SizeDense(&l.value, c.hidden, c.hidden);
    SizeDense(&l.attention_output, c.hidden, c.hidden);
    SizeNorm(&l.attention_norm, c.hidden);
    SizeDense(&l.intermediate, c.hidden, c.intermediate);
    SizeDense(&l.output, c.intermediate, c.hidden);
    SizeNorm(&l.output_norm, c.hidden);
  }
  SizeDense(&pooler, c.hidden, c.hidden);
  SizeDense(&classifier, c.hidden, c.labels);
}

std::vector<std::string> TransformerWeights::TensorNames() const {
  std::vector<std::string> names = {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                                    "embeddings.token_type_embeddings.weight"};
  if (task_types_ > 0) names.push_back("embeddings.task_type_embeddings.weight");
  names.push_back("embeddings.LayerNorm.weight");
  names.push_back("embeddings.LayerNorm.bias");
  for (size_t l = 0; l < layers.size(); ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* part :
         {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
          "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"}) {
      names.push_back(p + part + ".weight");
      names.push_back(p + part + ".bias");
    }
  }
  for (const char* part : {"pooler.dense", "classifier"}) {
    names.push_back(std::string(part) + ".weight");
    names.push_back(std::string(part) + ".bias");
  }
  return names;
}

TransformerWeights::Slot TransformerWeights::Find(const std::string& name) {
  auto dense = [](DenseWeights& d, const std::string& field) -> Slot {
    if (field == "weight") return {&d.w, d.out};
    if (field == "bias") return {&d.b, 0};
    return {nullptr, 0};
  };
  auto norm = [](LayerNormWeights& n, const std::string& field) -> Slot {
    if (field == "weight") return {&n.gamma, 0};
    if (field == "bias") return {&n.beta, 0};
    return {nullptr, 0};
  };
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return {nullptr, 0};
  const std::string base = name.substr(0, dot), field = name.substr(dot + 1);
  if (field == "weight") {
    if (base == "embeddings.word_embeddings") return {&word_embeddings, 0};
    if (base == "embeddings.position_embeddings") return {&position_embeddings, 0};
    if (base == "embeddings.token_type_embeddings") return {&token_type_embeddings, 0};
    if (base == "embeddings.task_type_embeddings" && task_types_ > 0) return {&task_type_embeddings, 0};
  }
  if (base == "embeddings.LayerNorm") return norm(embedding_norm, field);
  if (base == "pooler.dense") return dense(pooler, field);
  if (base == "classifier") return dense(classifier, field);
  const std::string prefix = "encoder.layer.";
  if (base.compare(0, prefix.size(), prefix) != 0) return {nullptr, 0};
  const size_t end = base.find('.', prefix.size());
  if (end == std::string::npos) return {nullptr, 0};
  size_t l = 0;
  try {
    l = std::stoul(base.substr(prefix.size(), end - prefix.size()));
  } catch (const std::exception&) {
    return {nullptr, 0};
  }
  if (l >= layers.size()) return {nullptr, 0};
  LayerWeights& layer = layers[l];
  const std::string part = base.substr(end + 1);
  if (part == "attention.self.query") return dense(layer.query, field);
  if (part == "attention.self.key") return dense(layer.key, field);
  if (part == "attention.self.value") return dense(layer.value, field);
  if (part == "attention.output.dense") return dense(layer.attention_output, field);
  if (part == "attention.output.LayerNorm") return norm(layer.attention_norm, field);
  if (part == "intermediate.dense") return dense(layer.intermediate, field);
  if (part == "output.dense") return dense(layer.output, field);
  if (part == "output.LayerNorm") return norm(layer.output_norm, field);
  return {nullptr, 0};
}

void TransformerWeights::SetTensor(const std::string& name, const float* data, size_t count) {
  Slot slot = Find(name);
  if (!slot.values) throw std::invalid_argument("unknown tensor " + name);
  if (slot.values->size() != count) {
    throw std::invalid_argument(name + " has " + std::to_string(count) + " values, the model needs " +
                                std::to_string(slot.values->size()));
  }
  if (slot.transpose_rows == 0) {
    slot.values->assign(data, data + count);
    return;
  }
  const size_t rows = slot.transpose_rows, cols = count / rows;
  float* out = slot.values->data();
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) out[c * rows + r] = data[r * cols + c];
  }
}

size_t TransformerWeights::TensorSize(const std::string& name) {
  Slot slot = Find(name);
  if (!slot.values) throw std::invalid_argument("unknown tensor " + name);
  return slot.values->size();
}

void TransformerWeights::GetTensor(const std::string& name, float* out) {
  Slot slot = Find(name);
  if (!slot.values) throw std::invalid_argument("unknown tensor " + name);
  const device::Buffer& v = *slot.values;
  if (slot.transpose_rows == 0) {
    std::copy(v.begin(), v.end(), out);
    return;
  }
  const size_t rows = slot.transpose_rows, cols = v.size() / rows;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) out[r * cols + c] = v[c * rows + r];
  }
}

device::Buffer& TransformerWeights::Values(const std::string& name) {
  Slot slot = Find(name);
  if (!slot.values) throw std::invalid_argument("unknown tensor " + name);
  return *slot.values;
}

void TransformerWeights::Zero() {
  for (const std::string& name : TensorNames()) {
    device::Buffer* v = Find(name).values;
    std::fill(v->begin(), v->end(), 0.0f);
  }
}

void TransformerWeights::Add(TransformerWeights& other) {
  for (const std::string& name : TensorNames()) {
    device::Buffer& a = *Find(name).values;
    const device::Buffer& b = *other.Find(name).values;
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  }
}

}  // namespace transformer
}  // namespace ernie_slim
