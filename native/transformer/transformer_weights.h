// A BERT/ERNIE sequence classifier's shape and weights. Dense weights are kept [in, out] (ONNX MatMul layout,
// as the students keep theirs), so the forward products run on GemmAcc's register tiles; checkpoints hold
// [out, in] and are transposed once on load.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "transformer/device.h"

namespace ernie_slim {
namespace transformer {

enum class Activation { kGelu, kRelu };

struct TransformerConfig {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int intermediate = 0;
  Activation activation = Activation::kGelu;
  int max_positions = 0;
  int type_vocab_size = 0;
  // ERNIE 3.0's task-type rows (use_task_id); 0 when the model has none.
  int task_type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  int labels = 0;
  int head_dim() const { return hidden / heads; }
};

struct DenseWeights {
  int in = 0, out = 0;
  device::Buffer w;  // [in, out]
  device::Buffer b;  // [out]
};

struct LayerNormWeights {
  device::Buffer gamma, beta;
};

struct LayerWeights {
  DenseWeights query, key, value, attention_output;
  LayerNormWeights attention_norm;
  DenseWeights intermediate, output;
  LayerNormWeights output_norm;
};

struct TransformerWeights {
  device::Buffer word_embeddings, position_embeddings, token_type_embeddings, task_type_embeddings;
  LayerNormWeights embedding_norm;
  std::vector<LayerWeights> layers;
  DenseWeights pooler, classifier;

  // Every tensor sized for `config`, zero-filled.
  explicit TransformerWeights(const TransformerConfig& config);

  // Sets a tensor by its Hugging Face name (no bert./ernie. prefix; dense weights [out, in]). Throws
  // std::invalid_argument naming the tensor for an unknown name or a wrong element count.
  void SetTensor(const std::string& name, const float* data, size_t count);

  // Hugging Face names of every tensor the config needs, in a fixed order.
  std::vector<std::string> TensorNames() const;

  // A tensor by Hugging Face name, in its layout (dense weights [out, in]); out holds its element count.
  void GetTensor(const std::string& name, float* out);
  size_t TensorSize(const std::string& name);

  // A tensor's storage by Hugging Face name (dense weights held [in, out]), for updates that treat every value alike.
  device::Buffer& Values(const std::string& name);

  // Used as gradients: every value 0; this += other (same config).
  void Zero();
  void Add(TransformerWeights& other);

 private:
  struct Slot {
    device::Buffer* values;
    int transpose_rows;  // > 0: a dense weight given [out, in] with this many rows, stored [in, out]
  };
  Slot Find(const std::string& name);
  int task_types_ = 0;
};

}  // namespace transformer
}  // namespace ernie_slim
