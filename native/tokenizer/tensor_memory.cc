#include "tokenizer/tensor_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace ernie_slim {

namespace {

// Below this the heap does well: it reuses freed memory and faults nothing in.
constexpr size_t kMappedBytes = 4u << 20;
constexpr size_t kHugePage = 2u << 20;
// Freed mappings kept for reuse: enough for the next batch of the same shape, not a cache of everything.
constexpr size_t kKeptMappings = 2;
constexpr size_t kKeptBytes = 512u << 20;

struct KeptMappings {
  std::mutex mutex;
  std::vector<TensorMemory> blocks;
  size_t bytes = 0;
};

KeptMappings& Kept() {
  static KeptMappings* kept = new KeptMappings();  // never destroyed: finalizers may run at exit
  return *kept;
}

}  // namespace

TensorMemory AcquireTensorMemory(size_t bytes) {
  if (bytes < kMappedBytes) {
    void* p = std::malloc(bytes ? bytes : 1);
    if (!p) throw std::bad_alloc();
    return {p, bytes, false};
  }
  {
    KeptMappings& kept = Kept();
    std::lock_guard<std::mutex> lock(kept.mutex);
    for (size_t i = 0; i < kept.blocks.size(); i++) {
      TensorMemory block = kept.blocks[i];
      // Reuse only what fits without wasting more than half of it.
      if (block.capacity >= bytes && block.capacity / 2 <= bytes) {
        kept.blocks.erase(kept.blocks.begin() + i);
        kept.bytes -= block.capacity;
        block.zeroed = false;
        return block;
      }
    }
  }
  size_t capacity = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, capacity, MADV_HUGEPAGE);
#endif
  return {p, capacity, true};
}

void ReleaseTensorMemory(void* data, size_t capacity) {
  if (!data) return;
  if (capacity < kMappedBytes) {
    std::free(data);
    return;
  }
  {
    KeptMappings& kept = Kept();
    std::lock_guard<std::mutex> lock(kept.mutex);
    if (kept.blocks.size() < kKeptMappings && kept.bytes + capacity <= kKeptBytes) {
      kept.blocks.push_back({data, capacity, false});
      kept.bytes += capacity;
      return;
    }
  }
  munmap(data, capacity);
}

}  // namespace ernie_slim
