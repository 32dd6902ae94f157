// The two-tower students' interaction layer: u (text_a's encoding) and v (text_b's) become
//   f = [u, v, |u - v|, u * v]                                         u, v [D], f [4D]
// d|x|/dx is taken as sign(x), 0 at 0 (the towers share weights, so u = v only for identical texts).
#pragma once

namespace ernie_slim {
namespace student {

void MatchFeaturesForward(const float* u, const float* v, int dim, float* f);
// du, dv = the loss gradient w.r.t. u and v given df (overwritten).
void MatchFeaturesBackward(const float* u, const float* v, const float* df, int dim, float* du, float* dv);

}  // namespace student
}  // namespace ernie_slim
