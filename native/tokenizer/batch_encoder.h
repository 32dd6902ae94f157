// Encodes many rows over threads into padded row-major int64 tensors ready for ONNX Runtime.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tensor_memory.h"
#include "tokenizer/tokenizer.h"
#include "util/thread_pool.h"

namespace ernie_slim {

class EncodedBatch {
 public:
  EncodedBatch() = default;
  EncodedBatch(size_t batch_size, size_t seq_len);
  ~EncodedBatch();
  EncodedBatch(EncodedBatch&& other) noexcept { *this = std::move(other); }
  EncodedBatch& operator=(EncodedBatch&& other) noexcept;

  size_t batch_size() const { return batch_size_; }
  size_t seq_len() const { return seq_len_; }
  size_t tensor_size() const { return batch_size_ * seq_len_; }
  // input_ids, then token_type_ids, then attention_mask, each batch_size x seq_len.
  int64_t* data() const { return static_cast<int64_t*>(memory_.data); }
  size_t bytes() const { return tensor_size() * 3 * sizeof(int64_t); }
  // Whether the memory starts out as zeros.
  bool zeroed() const { return memory_.zeroed; }

  // Hands the memory over to the caller, who frees it with ReleaseTensorMemory(data, capacity).
  TensorMemory Release();

 private:
  size_t batch_size_ = 0, seq_len_ = 0;
  TensorMemory memory_;
};

// pairs is null for single texts, else as long as texts. Texts must be valid UTF-8.
EncodedBatch EncodeBatch(const WordPieceTokenizer& tokenizer, const std::vector<std::string>& texts,
                         const std::vector<std::string>* pairs, size_t max_length, size_t threads, ThreadPool& pool);

}  // namespace ernie_slim
