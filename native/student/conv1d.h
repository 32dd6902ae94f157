// 1-D convolution of width 3 over a token sequence, zero padding 1 on each side (one output per token):
// Y[t, :] = b + sum_{k=0..2} X[t-1+k, :] @ W[k]   with X[-1] = X[n] = 0,  X [n, E], W [3, E, H], Y [n, H].
#pragma once

namespace ernie_slim {
namespace student {

constexpr int kConvWidth = 3;

void Conv1dForward(const float* x, int n, const float* w, const float* b, int in, int out, float* y);
// Accumulates dW and db; writes dX (n x in, overwritten).
void Conv1dBackward(const float* x, int n, const float* w, const float* dy, int in, int out, float* dw, float* db,
                    float* dx);

}  // namespace student
}  // namespace ernie_slim
