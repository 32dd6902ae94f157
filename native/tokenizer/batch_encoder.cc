#include "tokenizer/batch_encoder.h"

#include <algorithm>

namespace ernie_slim {

namespace {

// Rows of one slice, back to back: slices are encoded in parallel, then copied into the padded tensors.
struct EncodedSlice {
  std::vector<int32_t> ids;
  std::vector<uint8_t> type_ids;
  std::vector<uint32_t> row_ends;
};

}  // namespace

EncodedBatch::EncodedBatch(size_t batch_size, size_t seq_len)
    : batch_size_(batch_size), seq_len_(seq_len), memory_(AcquireTensorMemory(bytes())) {}

EncodedBatch::~EncodedBatch() { ReleaseTensorMemory(memory_.data, memory_.capacity); }

EncodedBatch& EncodedBatch::operator=(EncodedBatch&& other) noexcept {
  if (this != &other) {
    ReleaseTensorMemory(memory_.data, memory_.capacity);
    batch_size_ = other.batch_size_;
    seq_len_ = other.seq_len_;
    memory_ = other.Release();
  }
  return *this;
}

TensorMemory EncodedBatch::Release() {
  TensorMemory memory = memory_;
  memory_ = TensorMemory{};
  return memory;
}

EncodedBatch EncodeBatch(const WordPieceTokenizer& tokenizer, const std::vector<std::string>& texts,
                         const std::vector<std::string>* pairs, size_t max_length, size_t threads, ThreadPool& pool) {
  const size_t rows = texts.size();
  // A few contiguous slices a thread, so that a slow slice does not hold the others back.
  const size_t slices = std::max<size_t>(1, std::min(rows, std::max<size_t>(1, threads) * 4));
  const auto slice_begin = [&](size_t slice) { return rows * slice / slices; };
  std::vector<EncodedSlice> encoded(slices);
  pool.ParallelFor(slices, threads, [&](size_t slice) {
    WordPieceTokenizer::State state;
    Encoding encoding;
    EncodedSlice& out = encoded[slice];
    for (size_t r = slice_begin(slice); r < slice_begin(slice + 1); r++) {
      std::string_view pair;
      if (pairs) pair = (*pairs)[r];
      tokenizer.Encode(texts[r], pairs ? &pair : nullptr, max_length, state, encoding);
      out.ids.insert(out.ids.end(), encoding.ids.begin(), encoding.ids.end());
      out.type_ids.insert(out.type_ids.end(), encoding.type_ids.begin(), encoding.type_ids.end());
      out.row_ends.push_back(static_cast<uint32_t>(out.ids.size()));
    }
  });

  size_t seq_len = 0;
  for (const EncodedSlice& slice : encoded) {
    uint32_t previous = 0;
    for (uint32_t end : slice.row_ends) {
      seq_len = std::max<size_t>(seq_len, end - previous);
      previous = end;
    }
  }
  EncodedBatch batch(rows, seq_len);
  const size_t size = batch.tensor_size();
  const int64_t pad = std::max(0, tokenizer.vocab().special().pad);
  const bool zeroed = batch.zeroed();
  pool.ParallelFor(slices, threads, [&](size_t slice) {
    const EncodedSlice& in = encoded[slice];
    uint32_t begin = 0;
    for (size_t r = slice_begin(slice), k = 0; r < slice_begin(slice + 1); r++, k++) {
      const uint32_t end = in.row_ends[k];
      int64_t* ids = batch.data() + r * seq_len;
      int64_t* types = ids + size;
      int64_t* mask = types + size;
      const size_t n = end - begin;
      for (size_t i = 0; i < n; i++) {
        ids[i] = in.ids[begin + i];
        types[i] = in.type_ids[begin + i];
        mask[i] = 1;
      }
      // Fresh mapped memory is zero already: there only a non-zero [PAD] id needs writing.
      if (pad != 0 || !zeroed) std::fill(ids + n, ids + seq_len, pad);
      if (!zeroed) {
        std::fill(types + n, types + seq_len, 0);
        std::fill(mask + n, mask + seq_len, 0);
      }
      begin = end;
    }
  });
  return batch;
}

}  // namespace ernie_slim
