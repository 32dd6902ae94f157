// Where the transformer's tensors live and how its matrix products run, in one place: the CPU now (host
// memory, the students' AVX-512/AVX2/baseline kernels). The layers allocate through Buffer and multiply
// through these calls only, so CUDA kernels (a later issue) slot in here without touching them.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#include "student/gemm.h"
#include "util/huge_page_array.h"
#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace transformer {
namespace device {

// std::vector's storage by AllocateHugePageAligned: the weights, their gradients and AdamW's
// moments are swept whole every step, and on a virtual machine 4 KiB pages fault again and again under it.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    return static_cast<T*>(AllocateHugePageAligned(&bytes));
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

// A tensor's storage: zero-filled host memory on the CPU.
using Buffer = std::vector<float, HugePageAllocator<float>>;

// Grows b to at least count values (never shrinks: batches of varying length reuse it as it is).
inline void Reserve(Buffer* b, size_t count) {
  if (b->size() < count) b->resize(count);
}

// Working storage that is written before it is read (a batch's activations, the backward pass's buffers):
// growing it drops the old values instead of copying them and leaves the new ones unset, and storage of
// 2 MiB or more is advised to huge pages, so that its first touch faults 512 times less often.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&& other) noexcept { *this = std::move(other); }
  Scratch& operator=(Scratch&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~Scratch() { std::free(data_); }

  // At least count values, the old ones dropped when it grows; an eighth more than asked, so that a batch
  // slightly longer than the longest so far finds room.
  void Grow(size_t count) {
    if (count <= size_) return;
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    size_t bytes = (count + count / 8) * sizeof(float);
    data_ = static_cast<float*>(AllocateHugePageAligned(&bytes));
    size_ = bytes / sizeof(float);
  }

  float* data() { return data_; }
  const float* data() const { return data_; }
  float* begin() { return data_; }
  size_t size() const { return size_; }
  float& operator[](size_t i) { return data_[i]; }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

inline void Reserve(Scratch* b, size_t count) { b->Grow(count); }

// C[M, N] += A[M, K] @ B[K, N], A(i, p) = a[i * a_row + p * a_col] (A may be a transposed view).
inline void MatMulAcc(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c) {
  student::GemmAcc(m, n, k, a, a_row, a_col, b, c);
}

// C[M, N] += A[M, K] @ B[N, K]^T.
inline void MatMulTransposedAcc(int m, int n, int k, const float* a, const float* b, float* c) {
  student::GemmNTAcc(m, n, k, a, b, c);
}

// MatMulAcc with C's rows shared out among `threads` threads in whole blocks of register tiles (each thread
// packs B for its own rows; a block of rows is one product, so the split changes no sum's order).
// row_init [N] (a bias), when given, is first copied into each row of C by the thread that owns it.
inline void MatMulAccThreads(int threads, int m, int n, int k, const float* a, long a_row, long a_col, const float* b,
                             float* c, const float* row_init = nullptr) {
  constexpr int kBlock = 12;  // the AVX-512 tile's rows (two of the AVX2 tile's): halves stay even
  auto rows = [&](long i0, long i1) {
    if (row_init) {
      for (long i = i0; i < i1; ++i) std::copy(row_init, row_init + n, c + i * n);
    }
    MatMulAcc(static_cast<int>(i1 - i0), n, k, a + i0 * a_row, a_row, a_col, b, c + i0 * n);
  };
  if (threads <= 1 || m < 2 * kBlock) return rows(0, m);
  const int per_thread = (m + threads - 1) / threads;
  const int chunk = (per_thread + kBlock - 1) / kBlock * kBlock;
  ParallelChunks(
      static_cast<size_t>(m), static_cast<size_t>(chunk), threads, [] { return 0; },
      [&](int, size_t begin, size_t end) { rows(static_cast<long>(begin), static_cast<long>(end)); });
}

// sums[j] += the sum over rows of x[r, j] (x row-major [rows, n]): columns in blocks shared by the threads, each
// column summed in row order (the same sums for any thread count).
inline void AddColumnSumsThreads(int threads, const float* x, long rows, int n, float* sums) {
  constexpr size_t kColumns = 64;
  ParallelChunks(
      static_cast<size_t>(n), kColumns, threads, [] { return 0; },
      [&](int, size_t j0, size_t j1) {
        float acc[kColumns] = {};
        const int w = static_cast<int>(j1 - j0);
        for (long r = 0; r < rows; ++r) {
          const float* xr = x + r * n + j0;
          for (int j = 0; j < w; ++j) acc[j] += xr[j];
        }
        for (int j = 0; j < w; ++j) sums[j0 + j] += acc[j];
      });
}

// The product kernel in use, for the figures.
inline const char* Name() { return student::GemmKernelName(student::ActiveGemmKernel()); }

}  // namespace device
}  // namespace transformer
}  // namespace ernie_slim
