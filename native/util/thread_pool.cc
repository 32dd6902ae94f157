#include "util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace ernie_slim {

ThreadPool::ThreadPool(size_t workers) {
  for (size_t i = 0; i < workers; i++) threads_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

ThreadPool& ThreadPool::Shared() {
  // Never destroyed: worker threads must not be joined while the process exits from a static destructor.
  static ThreadPool* pool = new ThreadPool(std::max<size_t>(1, std::thread::hardware_concurrency()));
  return *pool;
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_ && queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void ThreadPool::ParallelFor(size_t count, size_t parallelism, const std::function<void(size_t)>& task) {
  if (count == 0) return;
  struct Loop {
    std::atomic<size_t> next{0};
    std::atomic<size_t> finished{0};
    std::mutex mutex;
    std::condition_variable done;
  };
  auto loop = std::make_shared<Loop>();
  // Each runner takes indices until none are left; the shared_ptr keeps the loop alive for late helpers.
  auto run = [loop, count, &task] {
    size_t mine = 0;
    for (size_t i; (i = loop->next.fetch_add(1)) < count;) {
      task(i);
      mine++;
    }
    if (mine && loop->finished.fetch_add(mine) + mine == count) {
      std::lock_guard<std::mutex> lock(loop->mutex);
      loop->done.notify_all();
    }
  };
  size_t helpers = std::min({count, std::max<size_t>(parallelism, 1), threads_.size() + 1}) - 1;
  if (helpers) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t h = 0; h < helpers; h++) queue_.emplace_back(run);
  }
  wake_.notify_all();
  run();
  std::unique_lock<std::mutex> lock(loop->mutex);
  loop->done.wait(lock, [&] { return loop->finished.load() == count; });
}

}  // namespace ernie_slim
