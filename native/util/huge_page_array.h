// Large host memory backed by huge pages where Linux allows it, so that random reads miss the TLB, and sweeps
// fault, far less often: the one allocation rule (also the transformer's tensors), and a fixed-size array over
// it for large tables read at random (the segmenter's trie).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ernie_slim {

// *bytes of uninitialised memory (rounded up in place), freed with std::free: from 2 MiB up 2 MiB-aligned and
// advised to huge pages, below that 64-byte aligned.
inline void* AllocateHugePageAligned(size_t* bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const bool huge = *bytes >= kHugePage;
  *bytes = huge ? (*bytes + kHugePage - 1) / kHugePage * kHugePage : (*bytes + 63) / 64 * 64;
  void* memory = std::aligned_alloc(huge ? kHugePage : 64, *bytes);
  if (memory == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) madvise(memory, *bytes, MADV_HUGEPAGE);  // advice only: without huge pages the memory still works
#endif
  return memory;
}

template <typename T>
class HugePageArray {
 public:
  HugePageArray() = default;
  HugePageArray(const HugePageArray&) = delete;
  HugePageArray& operator=(const HugePageArray&) = delete;
  HugePageArray(HugePageArray&& other) noexcept { *this = std::move(other); }
  HugePageArray& operator=(HugePageArray&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~HugePageArray() { std::free(data_); }

  // n copies of value (the old contents are dropped).
  void Assign(size_t n, const T& value) {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    if (n == 0) return;
    size_t bytes = n * sizeof(T);
    data_ = static_cast<T*>(AllocateHugePageAligned(&bytes));
    size_ = n;
    for (size_t i = 0; i < n; ++i) new (data_ + i) T(value);
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ernie_slim
