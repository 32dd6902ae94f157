#include "gemm_avx512.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace ernie_slim {
namespace student {

namespace {

constexpr int kPanel = 32;   // columns of a packed panel
constexpr int kRows = 12;    // rows of a register tile
constexpr int kDepth = 256;  // rows of B per packed panel

__mmask16 LowBits(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << std::max(count, 0)) - 1u);
}

// Rows [p0, p0 + kc) and columns [j0, j0 + w) of B into panel[kc][32], the columns past w zero.
__attribute__((target("avx512f"))) void PackPanel(const float* b, long b_row, long b_col, int p0, int kc, int j0, int w,
                                                  float* panel) {
  const __mmask16 mask0 = LowBits(w), mask1 = LowBits(w - 16);
  if (b_col == 1) {
    for (int p = 0; p < kc; ++p) {
      const float* src = b + static_cast<long>(p0 + p) * b_row + j0;
      float* dst = panel + static_cast<long>(p) * kPanel;
      _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(mask0, src));
      _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(mask1, src + 16));
    }
    return;
  }
  // A transposed view: gather each row of the panel from the columns' strided values.
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i index0 = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(static_cast<int>(b_col)));
  const __m512i index1 = _mm512_add_epi32(index0, _mm512_set1_epi32(static_cast<int>(16 * b_col)));
  const __m512 zero = _mm512_setzero_ps();
  for (int p = 0; p < kc; ++p) {
    const float* src = b + static_cast<long>(p0 + p) * b_row + static_cast<long>(j0) * b_col;
    float* dst = panel + static_cast<long>(p) * kPanel;
    _mm512_storeu_ps(dst, _mm512_mask_i32gather_ps(zero, mask0, index0, src, 4));
    _mm512_storeu_ps(dst + 16, _mm512_mask_i32gather_ps(zero, mask1, index1, src, 4));
  }
}

// C rows [0, R) x columns [0, 16 W) (masked to the panel's width) += A rows [0, R) @ panel, over kc.
template <int R, int W>
__attribute__((target("avx512f"))) void Tile(const float* a, long a_row, long a_col, const float* panel, int kc,
                                             float* c, long ldc, __mmask16 mask0, __mmask16 mask1) {
  __m512 s[R][W];
  for (int r = 0; r < R; ++r) {
    s[r][0] = _mm512_maskz_loadu_ps(mask0, c + r * ldc);
    if (W == 2) s[r][W - 1] = _mm512_maskz_loadu_ps(mask1, c + r * ldc + 16);
  }
  for (int p = 0; p < kc; ++p) {
    const float* bp = panel + static_cast<long>(p) * kPanel;
    __m512 bv[W];
    for (int w = 0; w < W; ++w) bv[w] = _mm512_loadu_ps(bp + 16 * w);
    const float* ap = a + p * a_col;
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(ap[r * a_row]);
      for (int w = 0; w < W; ++w) s[r][w] = _mm512_fmadd_ps(x, bv[w], s[r][w]);
    }
  }
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, mask0, s[r][0]);
    if (W == 2) _mm512_mask_storeu_ps(c + r * ldc + 16, mask1, s[r][W - 1]);
  }
}

typedef void (*TileFn)(const float*, long, long, const float*, int, float*, long, __mmask16, __mmask16);

template <int W>
TileFn TileOfRows(int rows) {
  switch (rows) {
    case 1: return Tile<1, W>;
    case 2: return Tile<2, W>;
    case 3: return Tile<3, W>;
    case 4: return Tile<4, W>;
    case 5: return Tile<5, W>;
    case 6: return Tile<6, W>;
    case 7: return Tile<7, W>;
    case 8: return Tile<8, W>;
    case 9: return Tile<9, W>;
    case 10: return Tile<10, W>;
    case 11: return Tile<11, W>;
    default: return Tile<12, W>;
  }
}

}  // namespace

void GemmAvx512(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, long b_row, long b_col,
                float* c) {
  // One panel buffer per thread: the training threads each run their own products.
  thread_local std::vector<float> panel(static_cast<size_t>(kDepth) * kPanel);
  for (int p0 = 0; p0 < k; p0 += kDepth) {
    const int kc = std::min(kDepth, k - p0);
    const float* ak = a + static_cast<long>(p0) * a_col;
    for (int j0 = 0; j0 < n; j0 += kPanel) {
      const int w = std::min(kPanel, n - j0);
      PackPanel(b, b_row, b_col, p0, kc, j0, w, panel.data());
      const __mmask16 mask0 = LowBits(w), mask1 = LowBits(w - 16);
      const TileFn full = w > 16 ? Tile<kRows, 2> : Tile<kRows, 1>;
      int i0 = 0;
      for (; i0 + kRows <= m; i0 += kRows) {
        full(ak + i0 * a_row, a_row, a_col, panel.data(), kc, c + static_cast<long>(i0) * n + j0, n, mask0, mask1);
      }
      if (i0 < m) {
        const TileFn rest = w > 16 ? TileOfRows<2>(m - i0) : TileOfRows<1>(m - i0);
        rest(ak + i0 * a_row, a_row, a_col, panel.data(), kc, c + static_cast<long>(i0) * n + j0, n, mask0, mask1);
      }
    }
  }
}

}  // namespace student
}  // namespace ernie_slim

#else

namespace ernie_slim {
namespace student {
// Not x86-64: gemm.cc never calls it.
void GemmAvx512(int, int, int, const float*, long, long, const float*, long, long, float*) {}
}  // namespace student
}  // namespace ernie_slim

#endif
