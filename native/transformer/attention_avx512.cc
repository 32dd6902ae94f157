#include "transformer/attention_avx512.h"

#if defined(__GNUC__) && defined(__x86_64__)
// GCC 12's AVX-512 headers start some intrinsics from _mm512_undefined_*() and warn about it where they inline.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "transformer/avx512_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ernie_slim {
namespace transformer {

namespace {

#define ERNIE_SLIM_UNROLL _Pragma("GCC unroll 8")

constexpr int kRows = 6;     // rows of a register tile, and of the row blocks the forward pass fuses
constexpr int kVectors = 4;  // vectors of 16 columns in a register tile: 24 accumulators of 32 registers

__mmask16 LowLanes(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << std::max(count, 0)) - 1u);
}

// C[r, 0..16 W) = alpha * sum_p A(r, p) B[p, 0..16 W) for R rows, with A(r, p) = a[r * a_row + p * a_col],
// B's rows ldb apart and the last of the W vectors (loaded and stored) limited to the lanes of `last`; with
// accumulate, C += instead. The loops are unrolled before GCC's scalar replacement, else s[][] lives in memory
// and is stored every step.
template <int R, int W>
__attribute__((target("avx512f"))) inline void Tile(const float* a, long a_row, long a_col, int depth, const float* b,
                                                    long ldb, float alpha, bool accumulate, float* c, long ldc,
                                                    __mmask16 last) {
  __mmask16 lanes[W];
  ERNIE_SLIM_UNROLL for (int w = 0; w < W; ++w) lanes[w] = w + 1 < W ? static_cast<__mmask16>(0xFFFF) : last;
  __m512 s[R][W];
  ERNIE_SLIM_UNROLL for (int r = 0; r < R; ++r) {
    ERNIE_SLIM_UNROLL for (int w = 0; w < W; ++w) s[r][w] = _mm512_setzero_ps();
  }
  for (int p = 0; p < depth; ++p) {
    const float* bp = b + p * ldb;
    const float* ap = a + p * a_col;
    __m512 bv[W];
    ERNIE_SLIM_UNROLL for (int w = 0; w < W; ++w) bv[w] = _mm512_maskz_loadu_ps(lanes[w], bp + 16 * w);
    ERNIE_SLIM_UNROLL for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(ap[r * a_row]);
      ERNIE_SLIM_UNROLL for (int w = 0; w < W; ++w) s[r][w] = _mm512_fmadd_ps(x, bv[w], s[r][w]);
    }
  }
  const __m512 scale = _mm512_set1_ps(alpha);
  ERNIE_SLIM_UNROLL for (int r = 0; r < R; ++r) {
    ERNIE_SLIM_UNROLL for (int w = 0; w < W; ++w) {
      float* cw = c + r * ldc + 16 * w;
      const __m512 out = accumulate ? _mm512_fmadd_ps(s[r][w], scale, _mm512_maskz_loadu_ps(lanes[w], cw))
                                    : _mm512_mul_ps(s[r][w], scale);
      _mm512_mask_storeu_ps(cw, lanes[w], out);
    }
  }
}

// R rows of C = alpha * A @ B (or C +=) over all `cols` columns, at most kVectors vectors at a time (and
// never a lone vector after a full tile: 5 go as 3 + 2).
template <int R>
__attribute__((target("avx512f"))) void RowTile(int cols, int depth, const float* a, long a_row, long a_col,
                                                const float* b, long ldb, float alpha, bool accumulate, float* c,
                                                long ldc) {
  const int total = (cols + 15) / 16;
  for (int v0 = 0; v0 < total;) {
    const int vectors = total - v0 == kVectors + 1 ? kVectors - 1 : std::min(kVectors, total - v0);
    const int j0 = 16 * v0, width = std::min(16 * vectors, cols - j0);
    const __mmask16 last = LowLanes(width - 16 * (vectors - 1));
    switch (vectors) {
      case 1: Tile<R, 1>(a, a_row, a_col, depth, b + j0, ldb, alpha, accumulate, c + j0, ldc, last); break;
      case 2: Tile<R, 2>(a, a_row, a_col, depth, b + j0, ldb, alpha, accumulate, c + j0, ldc, last); break;
      case 3: Tile<R, 3>(a, a_row, a_col, depth, b + j0, ldb, alpha, accumulate, c + j0, ldc, last); break;
      default: Tile<R, 4>(a, a_row, a_col, depth, b + j0, ldb, alpha, accumulate, c + j0, ldc, last); break;
    }
    v0 += vectors;
  }
}

// C[m, cols] (rows ldc apart) = alpha * A[m, depth] @ B[depth, cols] (rows ldb apart), or C += with accumulate;
// A(i, p) = a[i * a_row + p * a_col], so that A may be a transposed view.
__attribute__((target("avx512f"))) void Product(int m, int cols, int depth, const float* a, long a_row, long a_col,
                                                const float* b, long ldb, float alpha, bool accumulate, float* c,
                                                long ldc) {
  for (int i0 = 0; i0 < m; i0 += kRows) {
    const float* ai = a + i0 * a_row;
    float* ci = c + i0 * ldc;
    switch (std::min(kRows, m - i0)) {
      case 1: RowTile<1>(cols, depth, ai, a_row, a_col, b, ldb, alpha, accumulate, ci, ldc); break;
      case 2: RowTile<2>(cols, depth, ai, a_row, a_col, b, ldb, alpha, accumulate, ci, ldc); break;
      case 3: RowTile<3>(cols, depth, ai, a_row, a_col, b, ldb, alpha, accumulate, ci, ldc); break;
      case 4: RowTile<4>(cols, depth, ai, a_row, a_col, b, ldb, alpha, accumulate, ci, ldc); break;
      case 5: RowTile<5>(cols, depth, ai, a_row, a_col, b, ldb, alpha, accumulate, ci, ldc); break;
      default: RowTile<6>(cols, depth, ai, a_row, a_col, b, ldb, alpha, accumulate, ci, ldc); break;
    }
  }
}

// The 16 x 16 block r (row i in r[i]) transposed into out (column m in out[m]), in three rounds of shuffles.
__attribute__((target("avx512f"))) inline void Transpose16(const __m512* r, __m512* out) {
  __m512 t[16], u[16];
  ERNIE_SLIM_UNROLL for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4 i + m], lane k: column 4 k + m of rows 4 i .. 4 i + 3.
  ERNIE_SLIM_UNROLL for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  ERNIE_SLIM_UNROLL for (int i = 0; i < 4; ++i) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[i], u[4 + i], 0x88), v1 = _mm512_shuffle_f32x4(u[i], u[4 + i], 0xDD);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + i], u[12 + i], 0x88);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + i], u[12 + i], 0xDD);
    out[i] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    out[i + 4] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    out[i + 8] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    out[i + 12] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

// xt[c * ldt + j] = x[j * ld + c]: a head's d columns of n rows as d rows, so that S's products load 16 keys
// at once; 16 x 16 blocks through the registers.
__attribute__((target("avx512f"))) void TransposeColumns(const float* x, int n, long ld, int d, float* xt, int ldt) {
  for (int j0 = 0; j0 < n; j0 += 16) {
    const int rows = std::min(16, n - j0);
    for (int c0 = 0; c0 < d; c0 += 16) {
      const int cols = std::min(16, d - c0);
      const __mmask16 col_lanes = LowLanes(cols), row_lanes = LowLanes(rows);
      __m512 r[16], out[16];
      ERNIE_SLIM_UNROLL for (int i = 0; i < 16; ++i) {
        r[i] = i < rows ? _mm512_maskz_loadu_ps(col_lanes, x + (j0 + i) * ld + c0) : _mm512_setzero_ps();
      }
      Transpose16(r, out);
      ERNIE_SLIM_UNROLL for (int m = 0; m < 16; ++m) {
        if (m < cols) _mm512_mask_storeu_ps(xt + static_cast<long>(c0 + m) * ldt + j0, row_lanes, out[m]);
      }
    }
  }
}

// Asks for the cache lines of x[0, count) ahead of use (for writing when `write`): the attention weights of a
// batch are tens of megabytes, so the next block's rows come from memory.
inline void PrefetchSpan(const float* x, long count, bool write) {
  const char* begin = reinterpret_cast<const char*>(x);
  const char* end = reinterpret_cast<const char*>(x + count);
  for (const char* line = begin; line < end; line += 64) {
    if (write) {
      __builtin_prefetch(line, 1, 3);
    } else {
      __builtin_prefetch(line, 0, 3);
    }
  }
}

// The lanes of the (up to) 16 keys from key_mask whose mask is not 0.
__attribute__((target("avx512f"))) inline __mmask16 KeyLanes(const uint8_t* key_mask, int count) {
  alignas(16) uint8_t bytes[16] = {};
  std::memcpy(bytes, key_mask, std::min(count, 16));
  const __m512i words = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(bytes)));
  return _mm512_test_epi32_mask(words, words);
}

// The lanes of the keys [j0, j0 + 16) that the softmax counts.
__attribute__((target("avx512f"))) inline __mmask16 CountedLanes(const uint8_t* key_mask, bool masked, int n, int j0) {
  return masked ? KeyLanes(key_mask + j0, n - j0) : LowLanes(n - j0);
}

// One row of scores in place into P: the softmax over the counted keys (masked ones get exactly 0), and with
// keep, dropped = P * keep.
__attribute__((target("avx512f"))) void SoftmaxRow(float* row, int n, const uint8_t* key_mask, bool masked,
                                                   const float* keep, float* dropped) {
  __m512 top = _mm512_set1_ps(-INFINITY);
  for (int j0 = 0; j0 < n; j0 += 16) {
    const __mmask16 lanes = CountedLanes(key_mask, masked, n, j0);
    top = _mm512_mask_max_ps(top, lanes, top, _mm512_maskz_loadu_ps(lanes, row + j0));
  }
  const __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(top));
  __m512 sum = _mm512_setzero_ps();
  for (int j0 = 0; j0 < n; j0 += 16) {
    const __mmask16 tail = LowLanes(n - j0);
    const __m512 e = _mm512_maskz_mov_ps(CountedLanes(key_mask, masked, n, j0),
                                         Exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, row + j0), shift)));
    sum = _mm512_add_ps(sum, e);
    _mm512_mask_storeu_ps(row + j0, tail, e);
  }
  const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
  for (int j0 = 0; j0 < n; j0 += 16) {
    const __mmask16 tail = LowLanes(n - j0);
    const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, row + j0), inv);
    _mm512_mask_storeu_ps(row + j0, tail, p);
    if (keep) _mm512_mask_storeu_ps(dropped + j0, tail, _mm512_mul_ps(p, _mm512_maskz_loadu_ps(tail, keep + j0)));
  }
}

// One row of dP (times keep, when given) in place into dS = P * (dP - rowsum(P * dP)); with keep, used
// receives P * keep (the weights the forward pass applied).
__attribute__((target("avx512f"))) void SoftmaxBackwardRow(const float* p, const float* keep, int n, float* dp,
                                                           float* used) {
  __m512 dot = _mm512_setzero_ps();
  for (int j0 = 0; j0 < n; j0 += 16) {
    const __mmask16 tail = LowLanes(n - j0);
    __m512 g = _mm512_maskz_loadu_ps(tail, dp + j0);
    if (keep) g = _mm512_mul_ps(g, _mm512_maskz_loadu_ps(tail, keep + j0));
    dot = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, p + j0), g, dot);
  }
  const __m512 shift = _mm512_set1_ps(_mm512_reduce_add_ps(dot));
  for (int j0 = 0; j0 < n; j0 += 16) {
    const __mmask16 tail = LowLanes(n - j0);
    const __m512 pv = _mm512_maskz_loadu_ps(tail, p + j0);
    __m512 g = _mm512_maskz_loadu_ps(tail, dp + j0);
    if (keep) {
      const __m512 kv = _mm512_maskz_loadu_ps(tail, keep + j0);
      g = _mm512_mul_ps(g, kv);
      _mm512_mask_storeu_ps(used + j0, tail, _mm512_mul_ps(pv, kv));
    }
    _mm512_mask_storeu_ps(dp + j0, tail, _mm512_mul_ps(pv, _mm512_sub_ps(g, shift)));
  }
}

}  // namespace

__attribute__((target("avx512f"))) void AttentionHeadForwardAvx512(int n, int d, long ld, const float* q,
                                                                   const float* k, const float* v,
                                                                   const uint8_t* key_mask, bool masked, float scale,
                                                                   float* probs, const float* keep, float* dropped,
                                                                   float* kt, float* context) {
  const int ldt = KeysStride(n);
  TransposeColumns(k, n, ld, d, kt, ldt);
  // A block of rows goes through S, the softmax and P v while it is in L1.
  for (int i0 = 0; i0 < n; i0 += kRows) {
    const int rows = std::min(kRows, n - i0);
    const long at = static_cast<long>(i0) * n;
    const long next = std::min(static_cast<long>(kRows) * n, static_cast<long>(n - i0 - rows) * n);
    PrefetchSpan(probs + at + rows * n, next, true);
    if (keep) {
      PrefetchSpan(keep + at + rows * n, next, false);
      PrefetchSpan(dropped + at + rows * n, next, true);
    }
    Product(rows, n, d, q + i0 * ld, ld, 1, kt, ldt, scale, false, probs + at, n);
    for (int i = 0; i < rows; ++i) {
      const long row = at + static_cast<long>(i) * n;
      SoftmaxRow(probs + row, n, key_mask, masked, keep ? keep + row : nullptr, keep ? dropped + row : nullptr);
    }
    Product(rows, d, n, (keep ? dropped : probs) + at, n, 1, v, ld, 1.0f, false, context + i0 * ld, ld);
  }
}

__attribute__((target("avx512f"))) void AttentionHeadBackwardAvx512(int n, int d, long ld, const float* q,
                                                                    const float* k, const float* v, float scale,
                                                                    const float* probs, const float* keep,
                                                                    const float* dcontext, float* scratch, float* vt,
                                                                    float* dq, float* dk, float* dv) {
  const int ldt = KeysStride(n);
  TransposeColumns(v, n, ld, d, vt, ldt);
  // One pass over blocks of query rows, each read from the tape once: dP, dS and dq of the block, and its
  // share of dv = (P * keep)^T dcontext and dk = dS^T q.
  float* ds = scratch;
  float* used = scratch + static_cast<long>(kBackwardRows) * n;
  for (int i0 = 0; i0 < n; i0 += kBackwardRows) {
    const int rows = std::min(kBackwardRows, n - i0);
    const long at = static_cast<long>(i0) * n;
    const long next = std::min(static_cast<long>(kBackwardRows) * n, static_cast<long>(n - i0 - rows) * n);
    PrefetchSpan(probs + at + rows * n, next, false);
    if (keep) PrefetchSpan(keep + at + rows * n, next, false);
    Product(rows, n, d, dcontext + i0 * ld, ld, 1, vt, ldt, 1.0f, false, ds, n);
    for (int i = 0; i < rows; ++i) {
      const long row = static_cast<long>(i) * n;
      SoftmaxBackwardRow(probs + at + row, keep ? keep + at + row : nullptr, n, ds + row, used + row);
    }
    Product(rows, d, n, ds, n, 1, k, ld, scale, false, dq + i0 * ld, ld);
    Product(n, d, rows, keep ? used : probs + at, 1, n, dcontext + i0 * ld, ld, 1.0f, i0 > 0, dv, ld);
    Product(n, d, rows, ds, 1, n, q + i0 * ld, ld, scale, i0 > 0, dk, ld);
  }
}

}  // namespace transformer
}  // namespace ernie_slim
#endif
