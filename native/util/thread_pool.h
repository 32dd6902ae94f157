// A fixed set of worker threads for data-parallel loops; the calling thread works too, so a loop
// finishes even while the workers are busy with another caller's loop.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ernie_slim {

class ThreadPool {
 public:
  explicit ThreadPool(size_t workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs task(i) for every i in [0, count), at most `parallelism` at once; returns when all have run.
  void ParallelFor(size_t count, size_t parallelism, const std::function<void(size_t)>& task);

  size_t workers() const { return threads_.size(); }

  // One pool per process, with a worker per hardware thread.
  static ThreadPool& Shared();

 private:
  void WorkerLoop();

  std::vector<std::thread> threads_;
  std::deque<std::function<void()>> queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace ernie_slim
