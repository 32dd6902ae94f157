#include "head.h"

#include "activations.h"
#include "dense.h"
#include "gemm.h"
#include "match_features.h"
#include "vector_ops.h"

namespace ernie_slim {
namespace student {

namespace {
// Indices into the head's parameters: the first (or only) dense layer, then the classifier after a match layer.
constexpr int kWeight = 0, kBias = 1, kClassifierW = 2, kClassifierB = 3;
}  // namespace

Head::Head(int width, int labels, bool pair, int match_hidden, const std::string& one_text_name)
    : width_(width), labels_(labels), pair_(pair), match_hidden_(match_hidden), one_text_name_(one_text_name) {}

std::vector<Parameter> Head::NewParameters(Random* rng) const {
  const int64_t D = width_, L = labels_, M = match_hidden_;
  std::vector<Parameter> params;
  if (!pair_) {
    params.push_back(NewParameter(one_text_name_ + ".weight", {D, L}, true, false));
    params.push_back(NewParameter(one_text_name_ + ".bias", {L}, false, false));
    FillUniform(&params[kWeight], GlorotLimit(D, L), rng);
    return params;
  }
  if (M > 0) {
    params.push_back(NewParameter("match.weight", {4 * D, M}, true, false));
    params.push_back(NewParameter("match.bias", {M}, false, false));
  }
  params.push_back(NewParameter("classifier.weight", {M > 0 ? M : 4 * D, L}, true, false));
  params.push_back(NewParameter("classifier.bias", {L}, false, false));
  if (M > 0) {
    FillUniform(&params[kWeight], GlorotLimit(4 * D, M), rng);
    FillUniform(&params[kClassifierW], GlorotLimit(M, L), rng);
  } else {
    FillUniform(&params[kWeight], GlorotLimit(4 * D, L), rng);
  }
  return params;
}

HeadActivations Head::NewActivations() const {
  HeadActivations a;
  if (pair_) {
    a.features.assign(4 * width_, 0.0f);
    a.dfeatures.assign(4 * width_, 0.0f);
    a.match.assign(match_hidden_, 0.0f);
    a.dmatch.assign(match_hidden_, 0.0f);
  }
  return a;
}

void Head::Forward(const Parameter* params, const float* u, const float* v, HeadActivations* a, float* logits) const {
  const int D = width_, M = match_hidden_, L = labels_;
  const float *w = params[kWeight].value.data(), *b = params[kBias].value.data();
  if (!pair_) {
    DenseForward(u, w, b, D, L, logits);
    return;
  }
  MatchFeaturesForward(u, v, D, a->features.data());
  if (M == 0) {
    DenseForward(a->features.data(), w, b, 4 * D, L, logits);
    return;
  }
  DenseForward(a->features.data(), w, b, 4 * D, M, a->match.data());
  TanhForward(a->match.data(), a->match.data(), M);
  DenseForward(a->match.data(), params[kClassifierW].value.data(), params[kClassifierB].value.data(), M, L, logits);
}

void Head::Backward(const Parameter* params, const float* u, const float* v, const float* dlogits, HeadActivations* a,
                    std::vector<float>* grads, float* du, float* dv) const {
  const int D = width_, M = match_hidden_, L = labels_;
  const float* w = params[kWeight].value.data();
  float *gw = grads[kWeight].data(), *gb = grads[kBias].data();
  if (!pair_) {
    DenseBackward(u, w, dlogits, D, L, gw, gb, du);
    return;
  }
  if (M == 0) {
    DenseBackward(a->features.data(), w, dlogits, 4 * D, L, gw, gb, a->dfeatures.data());
  } else {
    DenseBackward(a->match.data(), params[kClassifierW].value.data(), dlogits, M, L, grads[kClassifierW].data(),
                  grads[kClassifierB].data(), a->dmatch.data());
    TanhBackward(a->match.data(), a->dmatch.data(), a->dmatch.data(), M);
    DenseBackward(a->features.data(), w, a->dmatch.data(), 4 * D, M, gw, gb, a->dfeatures.data());
  }
  MatchFeaturesBackward(u, v, a->dfeatures.data(), D, du, dv);
}

void Head::ForwardRows(const Parameter* params, const float* in, int count, float* logits) const {
  const int D = width_, L = labels_;
  const float* b = params[kBias].value.data();
  for (int r = 0; r < count; ++r) Copy(b, logits + r * L, L);
  GemmAcc(count, L, D, in, D, 1, params[kWeight].value.data(), logits);
}

void Head::BackwardRows(const Parameter* params, const float* in, const float* dlogits, int count,
                        std::vector<float>* grads, float* din) const {
  const int D = width_, L = labels_;
  // dW += in^T dlogits, db += sum dlogits, din = dlogits W^T
  GemmAcc(D, L, count, in, 1, D, dlogits, grads[kWeight].data());
  Zero(din, count * D);
  GemmNTAcc(count, D, L, dlogits, params[kWeight].value.data(), din);
  float* db = grads[kBias].data();
  for (int r = 0; r < count; ++r) AddTo(dlogits + r * L, db, L);
}

}  // namespace student
}  // namespace ernie_slim
