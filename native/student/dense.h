// Fully connected layer on one row, ONNX MatMul layout: y[out] = x[in] @ W[in, out] + b[out].
#pragma once

namespace ernie_slim {
namespace student {

void DenseForward(const float* x, const float* w, const float* b, int in, int out, float* y);
// Accumulates dW += x^T dy and db += dy; writes dx = W dy when dx is not null.
void DenseBackward(const float* x, const float* w, const float* dy, int in, int out, float* dw, float* db, float* dx);

}  // namespace student
}  // namespace ernie_slim
