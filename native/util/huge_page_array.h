// A fixed-size array for large tables read at random (the segmenter's trie): 2 MiB-aligned and, where Linux
// allows it, backed by huge pages, so that a random read misses the TLB far less often.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ernie_slim {

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
    constexpr size_t kHugePage = size_t{2} << 20;
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    if (n == 0) return;
    const size_t bytes = (n * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, bytes);
    if (memory == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(memory, bytes, MADV_HUGEPAGE);  // advice only: without huge pages the table still works
#endif
    data_ = static_cast<T*>(memory);
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
