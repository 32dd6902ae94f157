// xoshiro128** seeded by splitmix32: the generator of the TypeScript side (src/util/random.ts), draw for draw, so
// that native code replaying a TypeScript algorithm makes the same random choices.
#pragma once
#include <cstdint>

namespace ernie_slim {

class Xoshiro128 {
 public:
  explicit Xoshiro128(uint32_t seed) {
    uint32_t x = seed;
    for (uint32_t& s : s_) {
      x += 0x9e3779b9u;
      uint32_t z = x;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      s = z ^ (z >> 16);
    }
  }

  uint32_t NextUint32() {
    const uint32_t result = Rotl(s_[1] * 5u, 7) * 9u;
    const uint32_t t = s_[1] << 9;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 11);
    return result;
  }

  // Uniform in [0, 1), as SeededRandom.next().
  double Next() { return NextUint32() / 4294967296.0; }

 private:
  static uint32_t Rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t s_[4];
};

}  // namespace ernie_slim
