// Seeded random numbers: SplitMix64, small and identical on every platform, so a seed reproduces a model.
#pragma once
#include <cstdint>

namespace ernie_slim {

class Random {
 public:
  static constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

  explicit Random(uint64_t seed) : state_(seed * kGolden + 0x632BE59BD9B4E019ULL) {}

  // The i-th draw (from 1) is Mix(state + i * kGolden): counter-based, so draws can be made out of order.
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t Next() { return Mix(state_ += kGolden); }

  // Advances the stream past count draws, as count calls of Next() would.
  void Skip(uint64_t count) { state_ += count * kGolden; }
  uint64_t state() const { return state_; }

  // Uniform in [0, 1) with 24 bits, exact in float.
  float Unit() { return static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f); }
  float Uniform(float lo, float hi) { return lo + (hi - lo) * Unit(); }
  // Uniform integer in [0, n).
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(((Next() >> 32) * n) >> 32); }

 private:
  uint64_t state_;
};

}  // namespace ernie_slim
