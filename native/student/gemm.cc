#include "gemm.h"

#include <cstdlib>
#include <cstring>

#include "gemm_avx512.h"
#include "vector_ops.h"

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

#if defined(__GNUC__) && defined(__x86_64__)
// AVX2 + FMA kernels, compiled for that target alone and picked at run time when the CPU has it: the addon
// stays baseline x86-64 (no -march) and still runs on machines without AVX2.
#define ERNIE_SLIM_AVX2 1
typedef float V8 __attribute__((vector_size(32)));

__attribute__((target("avx2,fma"))) static inline V8 Load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((target("avx2,fma"))) static inline void Store8(float* p, V8 v) { std::memcpy(p, &v, sizeof v); }
__attribute__((target("avx2,fma"))) static inline V8 Splat8(float x) { return V8{x, x, x, x, x, x, x, x}; }
__attribute__((target("avx2,fma"))) static inline float Sum8(V8 v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

// C[i0..i0+R, j0..j0+8*W) += A @ B for R rows and W vectors of 8 columns, accumulators in registers.
template <int R, int W>
__attribute__((target("avx2,fma"))) static inline void GemmTileAvx2(int i0, int j0, int n, int k, const float* a,
                                                                    long a_row, long a_col, const float* b, float* c) {
  V8 s[R][W];
  for (int r = 0; r < R; ++r)
    for (int w = 0; w < W; ++w) s[r][w] = Load8(c + static_cast<long>(i0 + r) * n + j0 + 8 * w);
  for (int p = 0; p < k; ++p) {
    const float* bp = b + static_cast<long>(p) * n + j0;
    V8 bv[W];
    for (int w = 0; w < W; ++w) bv[w] = Load8(bp + 8 * w);
    for (int r = 0; r < R; ++r) {
      const V8 x = Splat8(a[(i0 + r) * a_row + p * a_col]);
      for (int w = 0; w < W; ++w) s[r][w] += x * bv[w];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int w = 0; w < W; ++w) Store8(c + static_cast<long>(i0 + r) * n + j0 + 8 * w, s[r][w]);
}

template <int R>
__attribute__((target("avx2,fma"))) static void GemmRowsAvx2(int i0, int n, int k, const float* a, long a_row,
                                                             long a_col, const float* b, float* c) {
  int j0 = 0;
  for (; j0 + 16 <= n; j0 += 16) GemmTileAvx2<R, 2>(i0, j0, n, k, a, a_row, a_col, b, c);
  for (; j0 + 8 <= n; j0 += 8) GemmTileAvx2<R, 1>(i0, j0, n, k, a, a_row, a_col, b, c);
  for (int i = i0; i < i0 + R; ++i) {
    for (int p = 0; p < k && j0 < n; ++p) {
      const float x = a[i * a_row + p * a_col];
      const float* bp = b + static_cast<long>(p) * n;
      float* ci = c + static_cast<long>(i) * n;
      for (int j = j0; j < n; ++j) ci[j] += x * bp[j];
    }
  }
}

__attribute__((target("avx2,fma"))) static void GemmAccAvx2(int m, int n, int k, const float* a, long a_row, long a_col,
                                                            const float* b, float* c) {
  int i0 = 0;
  for (; i0 + 6 <= m; i0 += 6) GemmRowsAvx2<6>(i0, n, k, a, a_row, a_col, b, c);
  for (; i0 < m; ++i0) GemmRowsAvx2<1>(i0, n, k, a, a_row, a_col, b, c);
}

// out[r] = dot(x, y_r) for four vectors y_r of length k, 8 lanes at a time.
__attribute__((target("avx2,fma"))) static inline void Dot4Avx2(const float* x, const float* y0, const float* y1,
                                                                const float* y2, const float* y3, int k, float* out) {
  const int k8 = k & ~7;
  V8 s0 = Splat8(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (int p = 0; p < k8; p += 8) {
    const V8 xv = Load8(x + p);
    s0 += Load8(y0 + p) * xv;
    s1 += Load8(y1 + p) * xv;
    s2 += Load8(y2 + p) * xv;
    s3 += Load8(y3 + p) * xv;
  }
  out[0] = Sum8(s0);
  out[1] = Sum8(s1);
  out[2] = Sum8(s2);
  out[3] = Sum8(s3);
  for (int p = k8; p < k; ++p) {
    out[0] += y0[p] * x[p];
    out[1] += y1[p] * x[p];
    out[2] += y2[p] * x[p];
    out[3] += y3[p] * x[p];
  }
}

// C[i, j] += dot(A[i, :], B[j, :]): four rows of A against each row of B, then (one row of A: the LSTM's
// recurrent step) that row against four rows of B at a time.
__attribute__((target("avx2,fma"))) static void GemmNTAccAvx2(int m, int n, int k, const float* a, const float* b,
                                                              float* c) {
  float r[4];
  int i0 = 0;
  for (; i0 + 4 <= m; i0 += 4) {
    const float* a0 = a + static_cast<long>(i0) * k;
    for (int j = 0; j < n; ++j) {
      Dot4Avx2(b + static_cast<long>(j) * k, a0, a0 + k, a0 + 2 * k, a0 + 3 * k, k, r);
      for (int q = 0; q < 4; ++q) c[static_cast<long>(i0 + q) * n + j] += r[q];
    }
  }
  for (; i0 < m; ++i0) {
    const float* ai = a + static_cast<long>(i0) * k;
    float* ci = c + static_cast<long>(i0) * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const float* b0 = b + static_cast<long>(j) * k;
      Dot4Avx2(ai, b0, b0 + k, b0 + 2 * k, b0 + 3 * k, k, r);
      for (int q = 0; q < 4; ++q) ci[j + q] += r[q];
    }
    for (; j < n; ++j) {
      const float* bj = b + static_cast<long>(j) * k;
      float sum = 0.0f;
      for (int p = 0; p < k; ++p) sum += ai[p] * bj[p];
      ci[j] += sum;
    }
  }
}
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

static void GemmAccBaseline(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c) {
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
        s00 += x0 * b0;
        s01 += x0 * b1;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s20 += x2 * b0;
        s21 += x2 * b1;
        s30 += x3 * b0;
        s31 += x3 * b1;
      }
      Store(c0 + j0, s00);
      Store(c0 + j0 + 4, s01);
      Store(c1 + j0, s10);
      Store(c1 + j0 + 4, s11);
      Store(c2 + j0, s20);
      Store(c2 + j0 + 4, s21);
      Store(c3 + j0, s30);
      Store(c3 + j0 + 4, s31);
    }
    if (j0 < n) GemmAccRows(i0, i0 + 4, n, j0, k, a, a_row, a_col, b, c);
  }
  if (i0 < m) GemmAccRows(i0, m, n, 0, k, a, a_row, a_col, b, c);
#else
  GemmAccRows(0, m, n, 0, k, a, a_row, a_col, b, c);
#endif
}

static void GemmNTAccBaseline(int m, int n, int k, const float* a, const float* b, float* c) {
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
    for (int j = 0; j < n; ++j) c[static_cast<long>(i0) * n + j] += Dot(ai, b + static_cast<long>(j) * k, k);
  }
}

// Fewer rows than this: the AVX-512 kernel's packing of B would cost about what the product does.
static constexpr int kAvx512MinRows = 4;

bool GemmKernelSupported(GemmKernel kernel) {
#ifdef ERNIE_SLIM_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  if (kernel == GemmKernel::kAvx512) return avx512;
  if (kernel == GemmKernel::kAvx2) return avx2;
  return true;
#else
  return kernel == GemmKernel::kBaseline;
#endif
}

GemmKernel ActiveGemmKernel() {
  static const GemmKernel active = [] {
    if (std::getenv("ERNIE_SLIM_NO_AVX2") != nullptr || !GemmKernelSupported(GemmKernel::kAvx2)) {
      return GemmKernel::kBaseline;
    }
    if (std::getenv("ERNIE_SLIM_NO_AVX512") != nullptr || !GemmKernelSupported(GemmKernel::kAvx512)) {
      return GemmKernel::kAvx2;
    }
    return GemmKernel::kAvx512;
  }();
  return active;
}

const char* GemmKernelName(GemmKernel kernel) {
  switch (kernel) {
    case GemmKernel::kAvx512: return "avx512";
    case GemmKernel::kAvx2: return "avx2";
    default: return "baseline";
  }
}

void GemmAccWith(GemmKernel kernel, int m, int n, int k, const float* a, long a_row, long a_col, const float* b,
                 float* c) {
#ifdef ERNIE_SLIM_AVX2
  if (kernel == GemmKernel::kAvx512 && m >= kAvx512MinRows) return GemmAvx512(m, n, k, a, a_row, a_col, b, n, 1, c);
  if (kernel != GemmKernel::kBaseline) return GemmAccAvx2(m, n, k, a, a_row, a_col, b, c);
#endif
  GemmAccBaseline(m, n, k, a, a_row, a_col, b, c);
}

void GemmNTAccWith(GemmKernel kernel, int m, int n, int k, const float* a, const float* b, float* c) {
#ifdef ERNIE_SLIM_AVX2
  // B [N, K] read as the transposed view B^T(p, j) = b[j * k + p].
  if (kernel == GemmKernel::kAvx512 && m >= kAvx512MinRows) return GemmAvx512(m, n, k, a, k, 1, b, 1, k, c);
  if (kernel != GemmKernel::kBaseline) return GemmNTAccAvx2(m, n, k, a, b, c);
#endif
  GemmNTAccBaseline(m, n, k, a, b, c);
}

void GemmAcc(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c) {
  GemmAccWith(ActiveGemmKernel(), m, n, k, a, a_row, a_col, b, c);
}

void GemmNTAcc(int m, int n, int k, const float* a, const float* b, float* c) {
  GemmNTAccWith(ActiveGemmKernel(), m, n, k, a, b, c);
}

}  // namespace student
}  // namespace ernie_slim
