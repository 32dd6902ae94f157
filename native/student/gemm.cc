#include "gemm.h"

#include <cstring>

namespace ernie_slim {
namespace student {

#if defined(__GNUC__)
// GCC/Clang vector extensions: 4-float SIMD on SSE2 and NEON alike, no -march needed.
typedef float V4 __attribute__((vector_size(16)));
static inline V4 Load(const float* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline void Store(float* p, V4 v) { std::memcpy(p, &v, sizeof v); }
static inline V4 Splat(float x) { return V4{x, x, x, x}; }
#define ERNIE_SLIM_VECTOR 1
#endif

static void GemmAccRows(int i0, int i1, int n, int j0, int k, const float* a, long a_row, long a_col, const float* b,
                        float* c) {
  for (int i = i0; i < i1; ++i) {
    const float* ai = a + i * a_row;
    float* ci = c + static_cast<long>(i) * n;
    for (int p = 0; p < k; ++p) {
      const float x = ai[p * a_col];
      const float* bp = b + static_cast<long>(p) * n;
      for (int j = j0; j < n; ++j) ci[j] += x * bp[j];
    }
  }
}

void GemmAcc(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c) {
#ifdef ERNIE_SLIM_VECTOR
  int i0 = 0;
  for (; i0 + 4 <= m; i0 += 4) {
    const float* a0 = a + (i0 + 0) * a_row;
    const float* a1 = a + (i0 + 1) * a_row;
    const float* a2 = a + (i0 + 2) * a_row;
    const float* a3 = a + (i0 + 3) * a_row;
    float* c0 = c + static_cast<long>(i0) * n;
    float* c1 = c0 + n;
    float* c2 = c1 + n;
    float* c3 = c2 + n;
    int j0 = 0;
    for (; j0 + 8 <= n; j0 += 8) {
      V4 s00 = Load(c0 + j0), s01 = Load(c0 + j0 + 4), s10 = Load(c1 + j0), s11 = Load(c1 + j0 + 4);
      V4 s20 = Load(c2 + j0), s21 = Load(c2 + j0 + 4), s30 = Load(c3 + j0), s31 = Load(c3 + j0 + 4);
      for (int p = 0; p < k; ++p) {
        const float* bp = b + static_cast<long>(p) * n + j0;
        const V4 b0 = Load(bp), b1 = Load(bp + 4);
        const long q = p * a_col;
        const V4 x0 = Splat(a0[q]), x1 = Splat(a1[q]), x2 = Splat(a2[q]), x3 = Splat(a3[q]);
        s00 += x0 * b0; s01 += x0 * b1;
        s10 += x1 * b0; s11 += x1 * b1;
        s20 += x2 * b0; s21 += x2 * b1;
        s30 += x3 * b0; s31 += x3 * b1;
      }
      Store(c0 + j0, s00); Store(c0 + j0 + 4, s01); Store(c1 + j0, s10); Store(c1 + j0 + 4, s11);
      Store(c2 + j0, s20); Store(c2 + j0 + 4, s21); Store(c3 + j0, s30); Store(c3 + j0 + 4, s31);
    }
    if (j0 < n) GemmAccRows(i0, i0 + 4, n, j0, k, a, a_row, a_col, b, c);
  }
  if (i0 < m) GemmAccRows(i0, m, n, 0, k, a, a_row, a_col, b, c);
#else
  GemmAccRows(0, m, n, 0, k, a, a_row, a_col, b, c);
#endif
}

void GemmNTAcc(int m, int n, int k, const float* a, const float* b, float* c) {
  int i0 = 0;
#ifdef ERNIE_SLIM_VECTOR
  for (; i0 + 4 <= m; i0 += 4) {
    const float* a0 = a + static_cast<long>(i0) * k;
    const float* a1 = a0 + k;
    const float* a2 = a1 + k;
    const float* a3 = a2 + k;
    for (int j = 0; j < n; ++j) {
      const float* bj = b + static_cast<long>(j) * k;
      V4 s0 = Splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
      int p = 0;
      for (; p + 4 <= k; p += 4) {
        const V4 y = Load(bj + p);
        s0 += Load(a0 + p) * y;
        s1 += Load(a1 + p) * y;
        s2 += Load(a2 + p) * y;
        s3 += Load(a3 + p) * y;
      }
      float r0 = (s0[0] + s0[2]) + (s0[1] + s0[3]);
      float r1 = (s1[0] + s1[2]) + (s1[1] + s1[3]);
      float r2 = (s2[0] + s2[2]) + (s2[1] + s2[3]);
      float r3 = (s3[0] + s3[2]) + (s3[1] + s3[3]);
      for (; p < k; ++p) {
        const float y = bj[p];
        r0 += a0[p] * y;
        r1 += a1[p] * y;
        r2 += a2[p] * y;
        r3 += a3[p] * y;
      }
      c[static_cast<long>(i0) * n + j] += r0;
      c[static_cast<long>(i0 + 1) * n + j] += r1;
      c[static_cast<long>(i0 + 2) * n + j] += r2;
      c[static_cast<long>(i0 + 3) * n + j] += r3;
    }
  }
#endif
  for (; i0 < m; ++i0) {
    const float* ai = a + static_cast<long>(i0) * k;
    for (int j = 0; j < n; ++j) {
      const float* bj = b + static_cast<long>(j) * k;
      float s = 0.0f;
      for (int p = 0; p < k; ++p) s += ai[p] * bj[p];
      c[static_cast<long>(i0) * n + j] += s;
    }
  }
}

}  // namespace student
}  // namespace ernie_slim
