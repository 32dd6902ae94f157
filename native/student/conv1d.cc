#include "conv1d.h"

#include <algorithm>

#include "gemm.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

// Tap k reads token t + k - 1: output rows [t0, t1) pair with input rows [t0 + k - 1, t1 + k - 1).
static void TapRange(int k, int n, int* t0, int* t1) {
  const int shift = k - 1;
  *t0 = std::max(0, -shift);
  *t1 = std::min(n, n - shift);
}

void Conv1dForward(const float* x, int n, const float* w, const float* b, int in, int out, float* y) {
  for (int t = 0; t < n; ++t) Copy(b, y + static_cast<long>(t) * out, out);
  for (int k = 0; k < kConvWidth; ++k) {
    int t0, t1;
    TapRange(k, n, &t0, &t1);
    if (t1 <= t0) continue;
    GemmAcc(t1 - t0, out, in, x + static_cast<long>(t0 + k - 1) * in, in, 1, w + static_cast<long>(k) * in * out,
            y + static_cast<long>(t0) * out);
  }
}

void Conv1dBackward(const float* x, int n, const float* w, const float* dy, int in, int out, float* dw, float* db,
                    float* dx) {
  Zero(dx, n * in);
  for (int t = 0; t < n; ++t) AddTo(dy + static_cast<long>(t) * out, db, out);
  for (int k = 0; k < kConvWidth; ++k) {
    int t0, t1;
    TapRange(k, n, &t0, &t1);
    if (t1 <= t0) continue;
    const float* xs = x + static_cast<long>(t0 + k - 1) * in;
    const float* dys = dy + static_cast<long>(t0) * out;
    // dW[k] += X_shifted^T dY ;  dX_shifted += dY W[k]^T
    GemmAcc(in, out, t1 - t0, xs, 1, in, dys, dw + static_cast<long>(k) * in * out);
    GemmNTAcc(t1 - t0, in, out, dys, w + static_cast<long>(k) * in * out, dx + static_cast<long>(t0 + k - 1) * in);
  }
}

}  // namespace student
}  // namespace ernie_slim
