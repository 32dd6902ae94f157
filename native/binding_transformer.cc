// The transformer's JavaScript face (contract: src/transformer/native-transformer.ts): argument checks, typed
// arrays and a promise worker only; the work is in native/transformer.
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "transformer/transformer_classifier.h"
#include "transformer/transformer_training.h"

namespace ernie_slim {
namespace {

using transformer::TransformerClassifier;
using transformer::TransformerConfig;
using transformer::TransformerWeights;

[[noreturn]] void Throw(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, "NativeTransformer: " + message);
}

int IntField(Napi::Env env, const Napi::Object& o, const char* name, int lo) {
  Napi::Value v = o.Get(name);
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= lo && d <= 1e9 && d == std::floor(d)))
    Throw(env, std::string(name) + " must be an integer >= " + std::to_string(lo));
  return static_cast<int>(d);
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name, int lo) {
  const double d = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= lo && d <= 2e9 && d == std::floor(d)))
    Throw(info.Env(), std::string(name) + " must be an integer >= " + std::to_string(lo));
  return static_cast<int>(d);
}

TransformerConfig ReadConfig(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) Throw(env, "config must be an object");
  Napi::Object o = value.As<Napi::Object>();
  TransformerConfig c;
  c.vocab_size = IntField(env, o, "vocabSize", 1);
  c.hidden = IntField(env, o, "hidden", 1);
  c.layers = IntField(env, o, "layers", 0);
  c.heads = IntField(env, o, "heads", 1);
  c.intermediate = IntField(env, o, "intermediate", 1);
  c.max_positions = IntField(env, o, "maxPositions", 1);
  c.type_vocab_size = IntField(env, o, "typeVocabSize", 1);
  c.task_type_vocab_size = IntField(env, o, "taskTypeVocabSize", 0);
  c.labels = IntField(env, o, "labels", 1);
  if (c.hidden % c.heads != 0) Throw(env, "hidden must be a multiple of heads");
  const std::string act = o.Get("activation").IsString() ? o.Get("activation").As<Napi::String>().Utf8Value() : "";
  if (act != "gelu" && act != "relu") Throw(env, "activation must be gelu or relu");
  c.activation = act == "relu" ? transformer::Activation::kRelu : transformer::Activation::kGelu;
  Napi::Value eps = o.Get("layerNormEps");
  if (!eps.IsNumber() || !(eps.As<Napi::Number>().DoubleValue() > 0))
    Throw(env, "layerNormEps must be a positive number");
  c.layer_norm_eps = eps.As<Napi::Number>().FloatValue();
  return c;
}

Napi::Int32Array Int32Arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t length) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    Throw(info.Env(), std::string(name) + " must be an Int32Array");
  }
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  if (a.ElementLength() != length) {
    Throw(info.Env(), std::string(name) + (std::string(name) == "labels" ? " must hold batch values"
                                                                         : " must hold batch x seq values"));
  }
  return a;
}

class ForwardWorker : public Napi::AsyncWorker {
 public:
  ForwardWorker(Napi::Env env, std::shared_ptr<const TransformerClassifier> model, std::vector<int32_t> ids,
                std::vector<int32_t> type_ids, std::vector<int32_t> mask, int batch, int seq, int threads)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(std::move(model)),
        ids_(std::move(ids)),
        type_ids_(std::move(type_ids)),
        mask_(std::move(mask)),
        batch_(batch),
        seq_(seq),
        threads_(threads) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      logits_.resize(static_cast<size_t>(batch_) * model_->config().labels);
      model_->ForwardBatch(ids_.data(), type_ids_.data(), mask_.empty() ? nullptr : mask_.data(), batch_, seq_,
                           threads_, logits_.data());
    } catch (const std::exception& e) {
      SetError(std::string("NativeTransformer.forward: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Float32Array out = Napi::Float32Array::New(Env(), logits_.size());
    if (!logits_.empty()) std::memcpy(out.Data(), logits_.data(), logits_.size() * sizeof(float));
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const TransformerClassifier> model_;
  std::vector<int32_t> ids_, type_ids_, mask_;
  int batch_, seq_, threads_;
  std::vector<float> logits_;
};

class GradientsWorker : public Napi::AsyncWorker {
 public:
  GradientsWorker(Napi::Env env, std::shared_ptr<const TransformerClassifier> model, std::vector<int32_t> ids,
                  std::vector<int32_t> type_ids, std::vector<int32_t> mask, std::vector<int32_t> labels, int batch,
                  int seq, int threads)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(std::move(model)),
        ids_(std::move(ids)),
        type_ids_(std::move(type_ids)),
        mask_(std::move(mask)),
        labels_(std::move(labels)),
        batch_(batch),
        seq_(seq),
        threads_(threads) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      grad_ = std::make_unique<TransformerWeights>(model_->config());
      loss_ =
          transformer::LossAndGradients(*model_, ids_.data(), type_ids_.data(), mask_.empty() ? nullptr : mask_.data(),
                                        labels_.data(), batch_, seq_, threads_, grad_.get());
    } catch (const std::exception& e) {
      SetError(std::string("NativeTransformer.lossAndGradients: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object gradients = Napi::Object::New(env);
    for (const std::string& name : grad_->TensorNames()) {
      Napi::Float32Array a = Napi::Float32Array::New(env, grad_->TensorSize(name));
      grad_->GetTensor(name, a.Data());
      gradients.Set(name, a);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", Napi::Number::New(env, loss_));
    out.Set("gradients", gradients);
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const TransformerClassifier> model_;
  std::vector<int32_t> ids_, type_ids_, mask_, labels_;
  int batch_, seq_, threads_;
  std::unique_ptr<TransformerWeights> grad_;
  double loss_ = 0.0;
};

class NativeTransformerWrap : public Napi::ObjectWrap<NativeTransformerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeTransformer",
                       {InstanceMethod("forward", &NativeTransformerWrap::Forward),
                        InstanceMethod("lossAndGradients", &NativeTransformerWrap::LossAndGradients)});
  }

  // new NativeTransformer(config, tensors): tensors maps Hugging Face names (no prefix; dense weights [out, in])
  // to Float32Arrays; every tensor the config needs must be there.
  explicit NativeTransformerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeTransformerWrap>(info) {
    Napi::Env env = info.Env();
    const TransformerConfig config = ReadConfig(env, info[0]);
    if (!info[1].IsObject()) Throw(env, "tensors must be an object");
    Napi::Object tensors = info[1].As<Napi::Object>();
    TransformerWeights weights(config);
    for (const std::string& name : weights.TensorNames()) {
      Napi::Value v = tensors.Get(name);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        Throw(env, "missing tensor " + name + " (a Float32Array)");
      }
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      try {
        weights.SetTensor(name, a.Data(), a.ElementLength());
      } catch (const std::exception& e) {
        Throw(env, e.what());
      }
    }
    model_ = std::make_shared<const TransformerClassifier>(config, std::move(weights));
  }

 private:
  // forward(ids, typeIds, mask | null, batch, seq, threads) -> Promise<Float32Array [batch, labels]>; the
  // arrays are copied, so the caller may reuse them at once.
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    const int batch = IntArg(info, 3, "batch", 0), seq = IntArg(info, 4, "seq", 1),
              threads = IntArg(info, 5, "threads", 1);
    const size_t cells = static_cast<size_t>(batch) * seq;
    Napi::Int32Array ids = Int32Arg(info, 0, "ids", cells), types = Int32Arg(info, 1, "typeIds", cells);
    std::vector<int32_t> mask;
    if (!info[2].IsNull() && !info[2].IsUndefined()) {
      Napi::Int32Array m = Int32Arg(info, 2, "mask", cells);
      mask.assign(m.Data(), m.Data() + cells);
    }
    auto* worker = new ForwardWorker(info.Env(), model_, std::vector<int32_t>(ids.Data(), ids.Data() + cells),
                                     std::vector<int32_t>(types.Data(), types.Data() + cells), std::move(mask), batch,
                                     seq, threads);
    worker->Queue();
    return worker->Promise();
  }

  // lossAndGradients(ids, typeIds, mask | null, labels, batch, seq, threads) -> Promise<{ loss, gradients }>:
  // the mean cross-entropy and every tensor's gradient under its Hugging Face name and layout.
  Napi::Value LossAndGradients(const Napi::CallbackInfo& info) {
    const int batch = IntArg(info, 4, "batch", 0), seq = IntArg(info, 5, "seq", 1),
              threads = IntArg(info, 6, "threads", 1);
    const size_t cells = static_cast<size_t>(batch) * seq;
    Napi::Int32Array ids = Int32Arg(info, 0, "ids", cells), types = Int32Arg(info, 1, "typeIds", cells);
    Napi::Int32Array labels = Int32Arg(info, 3, "labels", batch);
    std::vector<int32_t> mask;
    if (!info[2].IsNull() && !info[2].IsUndefined()) {
      Napi::Int32Array m = Int32Arg(info, 2, "mask", cells);
      mask.assign(m.Data(), m.Data() + cells);
    }
    auto* worker = new GradientsWorker(info.Env(), model_, std::vector<int32_t>(ids.Data(), ids.Data() + cells),
                                       std::vector<int32_t>(types.Data(), types.Data() + cells), std::move(mask),
                                       std::vector<int32_t>(labels.Data(), labels.Data() + batch), batch, seq, threads);
    worker->Queue();
    return worker->Promise();
  }

  std::shared_ptr<const TransformerClassifier> model_;
};

}  // namespace

void RegisterTransformerBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeTransformer", NativeTransformerWrap::Define(env));
}

}  // namespace ernie_slim
