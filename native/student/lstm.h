// One direction of an LSTM in the ONNX LSTM op's layout and equations (gate order i, o, f, c; no peepholes;
// sigmoid / tanh / tanh; zero initial state):
//   g = W x_t + R h_prev + Wb + Rb        W [4H, E], R [4H, H], B = [Wb | Rb] [8H]
//   i = sigma(g_i)  o = sigma(g_o)  f = sigma(g_f)  c~ = tanh(g_c)
//   C_t = f * C_prev + i * c~           h_t = o * tanh(C_t)
// The forward direction walks t = 0..n-1, the reverse direction t = n-1..0; outputs stay at position t.
#pragma once

namespace ernie_slim {
namespace student {

struct LstmDirection {
  int in;      // E
  int hidden;  // H
  bool reverse;

  // x [n, E]; writes gates [n, 4H] (activated: i, o, f, c~), cells [n, H], h [n, H].
  void Forward(const float* x, int n, const float* w, const float* r, const float* b, float* gates, float* cells,
               float* h) const;
  // dh [n, H] is the loss gradient w.r.t. h from above. Accumulates dW, dR, dB and dX [n, E];
  // dgates holds n x 4H floats, scratch 3H.
  void Backward(const float* x, int n, const float* w, const float* r, const float* gates, const float* cells,
                const float* h, const float* dh, float* dw, float* dr, float* db, float* dx, float* dgates,
                float* scratch) const;
};

}  // namespace student
}  // namespace ernie_slim
