// A loop over [0, count) in chunks taken first come, first served by `threads` threads of the shared pool,
// each with state of its own (scratch buffers): uneven texts keep every thread busy to the end.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>

#include "util/thread_pool.h"

namespace ernie_slim {

// Calls work(state, begin, end) for consecutive chunks; make_state() gives each thread its state.
template <typename MakeState, typename Work>
void ParallelChunks(size_t count, size_t chunk, int threads, MakeState&& make_state, Work&& work) {
  if (count == 0) return;
  const size_t chunks = (count + chunk - 1) / chunk;
  const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), chunks));
  std::atomic<size_t> next{0};
  auto run = [&](size_t) {
    auto state = make_state();
    for (size_t c; (c = next.fetch_add(1)) < chunks;) {
      work(state, c * chunk, std::min(count, (c + 1) * chunk));
    }
  };
  if (workers == 1) {
    run(0);
  } else {
    ThreadPool::Shared().ParallelFor(workers, workers, run);
  }
}

}  // namespace ernie_slim
