// Classification losses on one row of logits z [L]:
//   hard:  CE(y', z) = -sum_k y'_k log softmax(z)_k,  y' = (1 - eps) onehot(y) + eps / L
//          (label smoothing eps, 0 by default: plain -log softmax(z)_y)     dL/dz = p - y'
//   soft:  T^2 * sum_k -q_k log softmax(z/T)_k,  q = softmax(teacher/T)   dL/dz = T (softmax(z/T) - q)
//   both:  alpha * soft + (1 - alpha) * hard
// A row with only a hard label uses the hard loss, a row with only teacher logits the soft loss.
#pragma once
#include <cstdint>
#include <string>

namespace ernie_slim {
namespace student {

struct Target {
  int32_t label;         // -1: none
  const float* teacher;  // null: none
  bool empty() const { return label < 0 && teacher == nullptr; }
};

struct LossOptions {
  float temperature = 1.0f;
  float alpha = 0.5f;
  float label_smoothing = 0.0f;  // eps of the hard loss (Szegedy et al. 2016)

  // Empty when the options are usable, else what is wrong with them (named as JavaScript names them).
  std::string Validate() const;
};

// Returns the row's loss and writes weight * dLoss/dz into dz; scratch holds 2L floats.
float DistillationLoss(const float* z, int labels, const Target& target, const LossOptions& options, float weight,
                       float* dz, float* scratch);

// probs = softmax(z / T)
void Softmax(const float* z, int n, float temperature, float* probs);

}  // namespace student
}  // namespace ernie_slim
