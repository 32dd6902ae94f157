// Device memory owned like a std::vector (grown, never shrunk), and CUDA errors turned into exceptions.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace ernie_slim {
namespace cuda {

inline void CheckCuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(status));
  }
}

// The last kernel launch's configuration error, if any (execution errors surface at the next sync).
inline void CheckLaunch(const char* kernel) { CheckCuda(cudaGetLastError(), kernel); }

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(other.data_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.capacity_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&&) = delete;
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
  }

  // Room for n elements; the old contents are lost when it grows.
  void Reserve(size_t n) {
    if (n <= capacity_) return;
    if (data_) cudaFree(data_);
    data_ = nullptr;
    capacity_ = 0;
    CheckCuda(cudaMalloc(reinterpret_cast<void**>(&data_), (n ? n : 1) * sizeof(T)), "cudaMalloc");
    capacity_ = n;
  }

  void Upload(const T* host, size_t n, cudaStream_t stream) {
    Reserve(n);
    if (n) CheckCuda(cudaMemcpyAsync(data_, host, n * sizeof(T), cudaMemcpyHostToDevice, stream), "upload");
  }

  void Download(T* host, size_t n, cudaStream_t stream) const {
    if (n) CheckCuda(cudaMemcpyAsync(host, data_, n * sizeof(T), cudaMemcpyDeviceToHost, stream), "download");
  }

  void Zero(size_t n, cudaStream_t stream) {
    Reserve(n);
    if (n) CheckCuda(cudaMemsetAsync(data_, 0, n * sizeof(T), stream), "cudaMemsetAsync");
  }

  T* data() { return data_; }
  const T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace cuda
}  // namespace ernie_slim
