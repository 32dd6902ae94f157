// The transformer's JavaScript face (contract: src/transformer/native-transformer.ts): argument checks, typed
// arrays and a promise worker only; the work is in native/transformer.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_util.h"
#include "transformer/transformer_classifier.h"
#include "transformer/transformer_training.h"

namespace ernie_slim {
namespace {

using transformer::TransformerClassifier;
using transformer::TransformerConfig;
using transformer::TransformerWeights;

Caller Transformer(Napi::Env env) { return {env, "NativeTransformer"}; }

int IntField(const Caller& c, const Napi::Object& o, const char* name, int lo) {
  return static_cast<int>(ReadInteger(c, o.Get(name), name, lo, 1000000000));
}

TransformerConfig ReadConfig(const Caller& c, const Napi::Value& value) {
  Napi::Object o = ReadObject(c, value, "config");
  TransformerConfig config;
  config.vocab_size = IntField(c, o, "vocabSize", 1);
  config.hidden = IntField(c, o, "hidden", 1);
  config.layers = IntField(c, o, "layers", 0);
  config.heads = IntField(c, o, "heads", 1);
  config.intermediate = IntField(c, o, "intermediate", 1);
  config.max_positions = IntField(c, o, "maxPositions", 1);
  config.type_vocab_size = IntField(c, o, "typeVocabSize", 1);
  config.task_type_vocab_size = IntField(c, o, "taskTypeVocabSize", 0);
  config.labels = IntField(c, o, "labels", 1);
  if (config.hidden % config.heads != 0) c.Fail("hidden must be a multiple of heads");
  const Napi::Value act_value = o.Get("activation");
  const std::string act = act_value.IsString() ? act_value.As<Napi::String>().Utf8Value() : "";
  if (act != "gelu" && act != "relu") c.Fail("activation must be gelu or relu");
  config.activation = act == "relu" ? transformer::Activation::kRelu : transformer::Activation::kGelu;
  Napi::Value eps = o.Get("layerNormEps");
  if (!eps.IsNumber() || !(eps.As<Napi::Number>().DoubleValue() > 0)) c.Fail("layerNormEps must be a positive number");
  config.layer_norm_eps = eps.As<Napi::Number>().FloatValue();
  return config;
}

// An Int32Array of `length` values, copied (so the caller may reuse it at once); `shape` names that length.
std::vector<int32_t> ReadInt32s(const Caller& c, const Napi::Value& v, const char* name, size_t length,
                                const char* shape) {
  Napi::Int32Array a = ReadTypedArray<int32_t>(c, v, name);
  if (a.ElementLength() != length) c.Fail(std::string(name) + " must hold " + shape + " values");
  return std::vector<int32_t>(a.Data(), a.Data() + length);
}

// The padded batch every method takes first: ids, typeIds, mask | null, [labels,] then batch, seq, threads.
struct BatchArgs {
  std::vector<int32_t> ids, type_ids, mask, labels;
  int batch = 0, seq = 0, threads = 1;
};

BatchArgs ReadBatch(const Caller& c, const Napi::CallbackInfo& info, bool with_labels) {
  const size_t at = with_labels ? 4 : 3;
  BatchArgs b;
  b.batch = static_cast<int>(ReadInteger(c, info[at], "batch", 0, 1000000000));
  b.seq = static_cast<int>(ReadInteger(c, info[at + 1], "seq", 1, 1000000000));
  b.threads = ReadThreads(c, info[at + 2], 1);
  const size_t cells = static_cast<size_t>(b.batch) * b.seq;
  b.ids = ReadInt32s(c, info[0], "ids", cells, "batch x seq");
  b.type_ids = ReadInt32s(c, info[1], "typeIds", cells, "batch x seq");
  if (with_labels) b.labels = ReadInt32s(c, info[3], "labels", b.batch, "batch");
  if (!Absent(info[2])) b.mask = ReadInt32s(c, info[2], "mask", cells, "batch x seq");
  return b;
}

class ForwardWorker : public PromiseWorker {
 public:
  ForwardWorker(Napi::Env env, std::shared_ptr<const TransformerClassifier> model, BatchArgs batch)
      : PromiseWorker(env, "NativeTransformer.forward"), model_(std::move(model)), b_(std::move(batch)) {}

 protected:
  void Run() override {
    logits_.resize(static_cast<size_t>(b_.batch) * model_->config().labels);
    model_->ForwardBatch(b_.ids.data(), b_.type_ids.data(), b_.mask.empty() ? nullptr : b_.mask.data(), b_.batch,
                         b_.seq, b_.threads, logits_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array out = Napi::Float32Array::New(env, logits_.size());
    if (!logits_.empty()) std::memcpy(out.Data(), logits_.data(), logits_.size() * sizeof(float));
    return out;
  }

 private:
  std::shared_ptr<const TransformerClassifier> model_;
  BatchArgs b_;
  std::vector<float> logits_;
};

class GradientsWorker : public PromiseWorker {
 public:
  GradientsWorker(Napi::Env env, std::shared_ptr<const TransformerClassifier> model, BatchArgs batch)
      : PromiseWorker(env, "NativeTransformer.lossAndGradients"), model_(std::move(model)), b_(std::move(batch)) {}

 protected:
  void Run() override {
    grad_ = std::make_unique<TransformerWeights>(model_->config());
    loss_ = transformer::LossAndGradients(*model_, b_.ids.data(), b_.type_ids.data(),
                                          b_.mask.empty() ? nullptr : b_.mask.data(), b_.labels.data(), b_.batch,
                                          b_.seq, b_.threads, grad_.get());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object gradients = Napi::Object::New(env);
    for (const std::string& name : grad_->TensorNames()) {
      Napi::Float32Array a = Napi::Float32Array::New(env, grad_->TensorSize(name));
      grad_->GetTensor(name, a.Data());
      gradients.Set(name, a);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", Napi::Number::New(env, loss_));
    out.Set("gradients", gradients);
    return out;
  }

 private:
  std::shared_ptr<const TransformerClassifier> model_;
  BatchArgs b_;
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
    const Caller c = Transformer(info.Env());
    const TransformerConfig config = ReadConfig(c, info[0]);
    Napi::Object tensors = ReadObject(c, info[1], "tensors");
    TransformerWeights weights(config);
    for (const std::string& name : weights.TensorNames()) {
      Napi::Value v = tensors.Get(name);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        c.Fail("missing tensor " + name + " (a Float32Array)");
      }
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      try {
        weights.SetTensor(name, a.Data(), a.ElementLength());
      } catch (const std::exception& e) {
        c.Fail(e.what());
      }
    }
    model_ = std::make_shared<const TransformerClassifier>(config, std::move(weights));
  }

 private:
  // forward(ids, typeIds, mask | null, batch, seq, threads) -> Promise<Float32Array [batch, labels]>; the
  // arrays are copied, so the caller may reuse them at once.
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    BatchArgs batch = ReadBatch(Transformer(info.Env()), info, false);
    return (new ForwardWorker(info.Env(), model_, std::move(batch)))->Start();
  }

  // lossAndGradients(ids, typeIds, mask | null, labels, batch, seq, threads) -> Promise<{ loss, gradients }>:
  // the mean cross-entropy and every tensor's gradient under its Hugging Face name and layout.
  Napi::Value LossAndGradients(const Napi::CallbackInfo& info) {
    BatchArgs batch = ReadBatch(Transformer(info.Env()), info, true);
    return (new GradientsWorker(info.Env(), model_, std::move(batch)))->Start();
  }

  std::shared_ptr<const TransformerClassifier> model_;
};

}  // namespace

void RegisterTransformerBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeTransformer", NativeTransformerWrap::Define(env));
}

}  // namespace ernie_slim
