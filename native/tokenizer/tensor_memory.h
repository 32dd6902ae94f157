// Memory for padded int64 tensors handed to JavaScript: large blocks are mapped with huge pages and the
// freed ones are kept for the next batch, since faulting in hundreds of fresh megabytes costs more than
// tokenizing the text.
#pragma once
#include <cstddef>

namespace ernie_slim {

struct TensorMemory {
  void* data = nullptr;
  size_t capacity = 0;  // pass back to ReleaseTensorMemory
  bool zeroed = false;  // whether every byte is known to be 0
};

TensorMemory AcquireTensorMemory(size_t bytes);
void ReleaseTensorMemory(void* data, size_t capacity);

}  // namespace ernie_slim
