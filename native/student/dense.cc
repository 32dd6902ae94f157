#include "dense.h"

#include "vector_ops.h"

namespace ernie_slim {
namespace student {

void DenseForward(const float* x, const float* w, const float* b, int in, int out, float* y) {
  Copy(b, y, out);
  for (int i = 0; i < in; ++i) Axpy(x[i], w + static_cast<long>(i) * out, y, out);
}

void DenseBackward(const float* x, const float* w, const float* dy, int in, int out, float* dw, float* db, float* dx) {
  AddTo(dy, db, out);
  for (int i = 0; i < in; ++i) {
    const float* wi = w + static_cast<long>(i) * out;
    Axpy(x[i], dy, dw + static_cast<long>(i) * out, out);
    if (dx) dx[i] = Dot(wi, dy, out);
  }
}

}  // namespace student
}  // namespace ernie_slim
