// The transformer's JavaScript face (contract: src/transformer/native-transformer.ts): argument checks, typed
// arrays and a promise worker only; the work is in native/transformer.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_util.h"
#include "transformer/dropout_mask.h"
#include "transformer/gelu.h"
#include "transformer/layer_norm.h"
#include "transformer/self_attention.h"
#include "transformer/transformer_classifier.h"
#include "transformer/transformer_trainer.h"
#include "transformer/transformer_training.h"
#include "transformer/vector_kernel.h"

namespace ernie_slim {
namespace {

using transformer::TransformerClassifier;
using transformer::TransformerConfig;
using transformer::TransformerTrainer;
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

// Dropout options { hiddenDropout, attentionDropout, seed } (each optional, 0 by default).
transformer::TrainingDropout ReadDropout(const Caller& c, const Napi::Object& o) {
  transformer::TrainingDropout d;
  d.hidden = static_cast<float>(NumberField(c, o, "hiddenDropout", 0.0));
  d.attention = static_cast<float>(NumberField(c, o, "attentionDropout", 0.0));
  d.seed = static_cast<uint64_t>(IntegerField<int64_t>(c, o, "seed", 0));
  return d;
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
  GradientsWorker(Napi::Env env, std::shared_ptr<const TransformerClassifier> model, BatchArgs batch,
                  transformer::TrainingDropout dropout)
      : PromiseWorker(env, "NativeTransformer.lossAndGradients"),
        model_(std::move(model)),
        b_(std::move(batch)),
        dropout_(dropout) {}

 protected:
  void Run() override {
    grad_ = std::make_unique<TransformerWeights>(model_->config());
    loss_ = transformer::LossAndGradients(*model_, b_.ids.data(), b_.type_ids.data(),
                                          b_.mask.empty() ? nullptr : b_.mask.data(), b_.labels.data(), b_.batch,
                                          b_.seq, b_.threads, grad_.get(), dropout_);
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
  transformer::TrainingDropout dropout_;
  std::unique_ptr<TransformerWeights> grad_;
  double loss_ = 0.0;
};

class TrainStepWorker : public PromiseWorker {
 public:
  TrainStepWorker(Napi::Env env, std::shared_ptr<TransformerClassifier> model,
                  std::shared_ptr<TransformerTrainer> trainer, BatchArgs batch, transformer::TrainStepOptions options,
                  bool* training, const Napi::Object& wrap)
      : PromiseWorker(env, "NativeTransformer.trainStep"),
        model_(std::move(model)),
        trainer_(std::move(trainer)),
        b_(std::move(batch)),
        options_(options),
        training_(training) {
    Hold(wrap);
  }

 protected:
  void Run() override {
    result_ =
        trainer_->Step(model_.get(), b_.ids.data(), b_.type_ids.data(), b_.mask.empty() ? nullptr : b_.mask.data(),
                       b_.labels.data(), b_.batch, b_.seq, b_.threads, options_);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", Napi::Number::New(env, result_.loss));
    out.Set("gradNorm", Napi::Number::New(env, result_.grad_norm));
    return out;
  }
  void Settled() override { *training_ = false; }

 private:
  std::shared_ptr<TransformerClassifier> model_;
  std::shared_ptr<TransformerTrainer> trainer_;
  BatchArgs b_;
  transformer::TrainStepOptions options_;
  bool* training_;  // the wrap's flag: the wrap is held until the step settles
  transformer::TrainStepResult result_;
};

class NativeTransformerWrap : public Napi::ObjectWrap<NativeTransformerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeTransformer",
                       {InstanceMethod("forward", &NativeTransformerWrap::Forward),
                        InstanceMethod("lossAndGradients", &NativeTransformerWrap::LossAndGradients),
                        InstanceMethod("trainStep", &NativeTransformerWrap::TrainStep),
                        InstanceMethod("tensors", &NativeTransformerWrap::Tensors)});
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
    model_ = std::make_shared<TransformerClassifier>(config, std::move(weights));
  }

 private:
  // forward(ids, typeIds, mask | null, batch, seq, threads) -> Promise<Float32Array [batch, labels]>; the
  // arrays are copied, so the caller may reuse them at once.
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    const Caller c = Transformer(info.Env());
    RefuseWhileTraining(c);
    BatchArgs batch = ReadBatch(c, info, false);
    return (new ForwardWorker(info.Env(), model_, std::move(batch)))->Start();
  }

  // lossAndGradients(ids, typeIds, mask | null, labels, batch, seq, threads, dropout?) -> Promise<{ loss,
  // gradients }>: the mean cross-entropy and every tensor's gradient under its Hugging Face name and layout.
  Napi::Value LossAndGradients(const Napi::CallbackInfo& info) {
    const Caller c = Transformer(info.Env());
    RefuseWhileTraining(c);
    BatchArgs batch = ReadBatch(c, info, true);
    const transformer::TrainingDropout dropout =
        Absent(info[7]) ? transformer::TrainingDropout{} : ReadDropout(c, ReadObject(c, info[7], "dropout"));
    return (new GradientsWorker(info.Env(), model_, std::move(batch), dropout))->Start();
  }

  // trainStep(ids, typeIds, mask | null, labels, batch, seq, threads, { lr, weightDecay, maxGradNorm,
  // hiddenDropout, attentionDropout, seed }) -> Promise<{ loss, gradNorm }>: one AdamW step on the weights.
  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    const Caller c = Transformer(info.Env());
    RefuseWhileTraining(c);
    BatchArgs batch = ReadBatch(c, info, true);
    Napi::Object o = ReadObject(c, info[7], "options");
    transformer::TrainStepOptions options;
    options.lr = static_cast<float>(NumberField(c, o, "lr"));
    options.weight_decay = static_cast<float>(NumberField(c, o, "weightDecay", 0.0));
    options.max_grad_norm = static_cast<float>(NumberField(c, o, "maxGradNorm", 1.0));
    options.dropout = ReadDropout(c, o);
    c.Check(options.Validate());
    if (!trainer_) trainer_ = std::make_shared<TransformerTrainer>(model_->config());
    training_ = true;
    return (new TrainStepWorker(info.Env(), model_, trainer_, std::move(batch), options, &training_,
                                info.This().As<Napi::Object>()))
        ->Start();
  }

  // tensors() -> { name: Float32Array }: the weights now, by Hugging Face name (dense weights [out, in]).
  Napi::Value Tensors(const Napi::CallbackInfo& info) {
    const Caller c = Transformer(info.Env());
    RefuseWhileTraining(c);
    Napi::Object out = Napi::Object::New(info.Env());
    TransformerWeights* w = model_->mutable_weights();
    for (const std::string& name : w->TensorNames()) {
      Napi::Float32Array a = Napi::Float32Array::New(info.Env(), w->TensorSize(name));
      w->GetTensor(name, a.Data());
      out.Set(name, a);
    }
    return out;
  }

  void RefuseWhileTraining(const Caller& c) const {
    if (training_) c.Fail("a training step is running; await it first");
  }

  std::shared_ptr<TransformerClassifier> model_;
  std::shared_ptr<TransformerTrainer> trainer_;
  bool training_ = false;
};

// The element-wise kernels one by one, on a named build, so that tests check each against a reference: every
// function takes the kernel (avx512 or portable) first and returns false when the CPU cannot run it.
bool ReadVectorKernel(const Caller& c, const Napi::Value& v, transformer::VectorKernel* kernel) {
  const std::string name = ReadString(c, v, "kernel");
  if (name != "avx512" && name != "portable") c.Fail("kernel must be avx512 or portable");
  *kernel = name == "avx512" ? transformer::VectorKernel::kAvx512 : transformer::VectorKernel::kPortable;
  return transformer::VectorKernelSupported(*kernel);
}

Napi::Float32Array ReadFloats(const Caller& c, const Napi::Value& v, const char* name, size_t length) {
  Napi::Float32Array a = ReadTypedArray<float>(c, v, name);
  if (a.ElementLength() < length) c.FailRange(std::string(name) + " is too short");
  return a;
}

// elementwiseKernel(kernel, op, input, out, slope?): op geluForward (out = GELU(input)), geluBackward
// (out *= GELU'(input)), geluForwardAndSlope (out = GELU(input), slope = GELU'(input)) or multiplyBy
// (out *= input).
Napi::Value ElementwiseKernel(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "elementwiseKernel"};
  transformer::VectorKernel kernel;
  if (!ReadVectorKernel(c, info[0], &kernel)) return Napi::Boolean::New(info.Env(), false);
  const std::string op = ReadString(c, info[1], "op");
  const Napi::Float32Array input = ReadTypedArray<float>(c, info[2], "input");
  const long count = static_cast<long>(input.ElementLength());
  float* out = ReadFloats(c, info[3], "out", count).Data();
  if (op == "geluForward") {
    transformer::GeluForwardWith(kernel, input.Data(), count, out);
  } else if (op == "geluBackward") {
    transformer::GeluBackwardWith(kernel, input.Data(), count, out);
  } else if (op == "geluForwardAndSlope") {
    transformer::GeluForwardAndSlopeWith(kernel, input.Data(), count, out,
                                         ReadFloats(c, info[4], "slope", count).Data());
  } else if (op == "multiplyBy") {
    transformer::MultiplyByWith(kernel, input.Data(), count, out);
  } else {
    c.Fail("op must be geluForward, geluBackward, geluForwardAndSlope or multiplyBy");
  }
  return Napi::Boolean::New(info.Env(), true);
}

// dropoutKernel(kernel, seed, row, skip, p, keep, x | null) -> BigInt: the trainer's stream of (seed, row), skip
// draws skipped, keep (all of it) filled and x multiplied by it; returns the stream's next 64-bit draw.
Napi::Value DropoutKernel(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "dropoutKernel"};
  transformer::VectorKernel kernel;
  if (!ReadVectorKernel(c, info[0], &kernel)) return Napi::Boolean::New(info.Env(), false);
  const uint64_t seed = static_cast<uint64_t>(ReadInteger(c, info[1], "seed", 0, kMaxSafeInteger));
  const int row = static_cast<int>(ReadInteger(c, info[2], "row", 0, 1000000000));
  const uint64_t skip = static_cast<uint64_t>(ReadInteger(c, info[3], "skip", 0, kMaxSafeInteger));
  const float p = static_cast<float>(ReadNumber(c, info[4], "p"));
  Napi::Float32Array keep = ReadTypedArray<float>(c, info[5], "keep");
  const long count = static_cast<long>(keep.ElementLength());
  float* x = Absent(info[6]) ? nullptr : ReadFloats(c, info[6], "x", count).Data();
  Random rng(transformer::DropoutRowSeed(seed, row));
  rng.Skip(skip);
  transformer::DrawDropoutWith(kernel, &rng, p, count, keep.Data(), x);
  return Napi::BigInt::New(info.Env(), rng.Next());
}

// layerNormKernel(kernel, threads, x, rows, h, gamma, beta, eps, dy) -> { y, xHat, rstd, dgamma, dbeta, dx }:
// the forward pass over x [rows, h], then the backward pass of dy with dgamma and dbeta from zero.
Napi::Value LayerNormKernel(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "layerNormKernel"};
  Napi::Env env = info.Env();
  transformer::VectorKernel kernel;
  if (!ReadVectorKernel(c, info[0], &kernel)) return Napi::Boolean::New(env, false);
  const int threads = ReadThreads(c, info[1], 1);
  const int rows = ReadInteger<int>(c, info[3], "rows"), h = ReadInteger<int>(c, info[4], "h");
  if (rows < 0 || h < 1) c.FailRange("rows must be >= 0 and h >= 1");
  const size_t cells = static_cast<size_t>(rows) * h;
  const float* x = ReadFloats(c, info[2], "x", cells).Data();
  const float* gamma = ReadFloats(c, info[5], "gamma", h).Data();
  const float* beta = ReadFloats(c, info[6], "beta", h).Data();
  const float eps = static_cast<float>(ReadNumber(c, info[7], "eps"));
  const float* dy = ReadFloats(c, info[8], "dy", cells).Data();
  Napi::Float32Array y = Napi::Float32Array::New(env, cells), x_hat = Napi::Float32Array::New(env, cells);
  Napi::Float32Array rstd = Napi::Float32Array::New(env, rows), dx = Napi::Float32Array::New(env, cells);
  Napi::Float32Array dgamma = Napi::Float32Array::New(env, h), dbeta = Napi::Float32Array::New(env, h);
  transformer::LayerNormForwardWith(kernel, x, rows, h, gamma, beta, eps, y.Data(), x_hat.Data(), rstd.Data());
  transformer::LayerNormBackwardWith(kernel, threads, x_hat.Data(), rstd.Data(), gamma, dy, rows, h, dgamma.Data(),
                                     dbeta.Data(), dx.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("y", y);
  out.Set("xHat", x_hat);
  out.Set("rstd", rstd);
  out.Set("dgamma", dgamma);
  out.Set("dbeta", dbeta);
  out.Set("dx", dx);
  return out;
}

// attentionHeads(path, heads, headDim, n, q, k, v, keyMask, keep, dcontext): the heads of one sequence forward
// and back on the named path (avx512 or portable), so that tests check each against a reference; q, k, v and
// dcontext are [n, heads * headDim], keyMask [n], keep [heads, n, n] or null. Returns { probs, dropped, context,
// dq, dk, dv }, or false when the CPU cannot run the path.
Napi::Value AttentionHeads(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "attentionHeads"};
  const std::string name = ReadString(c, info[0], "path");
  if (name != "avx512" && name != "portable") c.Fail("path must be avx512 or portable");
  const auto path = name == "avx512" ? transformer::AttentionPath::kAvx512 : transformer::AttentionPath::kPortable;
  if (!transformer::AttentionPathSupported(path)) return Napi::Boolean::New(info.Env(), false);
  TransformerConfig config;
  config.heads = ReadInteger<int>(c, info[1], "heads");
  config.hidden = config.heads * ReadInteger<int>(c, info[2], "headDim");
  const int n = ReadInteger<int>(c, info[3], "n");
  if (config.heads < 1 || config.hidden < 1 || n < 1) c.FailRange("heads, headDim and n must be positive");
  const size_t nh = static_cast<size_t>(n) * config.hidden, hnn = static_cast<size_t>(config.heads) * n * n;
  auto floats = [&](int at, const char* what, size_t length) {
    Napi::Float32Array a = ReadTypedArray<float>(c, info[at], what);
    if (a.ElementLength() != length) c.FailRange(std::string(what) + " has the wrong length");
    return a.Data();
  };
  const float *q = floats(4, "q", nh), *k = floats(5, "k", nh), *v = floats(6, "v", nh);
  Napi::Uint8Array key_mask = ReadTypedArray<uint8_t>(c, info[7], "keyMask");
  if (key_mask.ElementLength() != static_cast<size_t>(n)) c.FailRange("keyMask has the wrong length");
  const float* keep = Absent(info[8]) ? nullptr : floats(8, "keep", hnn);
  const float* dcontext = floats(9, "dcontext", nh);
  transformer::AttentionScratch s;
  transformer::AttentionGradScratch g;
  s.dropout = keep != nullptr;
  s.Reserve(n, config);
  g.Reserve(n, config);
  Napi::Env env = info.Env();
  Napi::Float32Array probs = Napi::Float32Array::New(env, hnn), dropped = Napi::Float32Array::New(env, keep ? hnn : 0);
  Napi::Float32Array context = Napi::Float32Array::New(env, nh), dq = Napi::Float32Array::New(env, nh);
  Napi::Float32Array dk = Napi::Float32Array::New(env, nh), dv = Napi::Float32Array::New(env, nh);
  transformer::AttentionHeadsForwardOn(path, config, q, k, v, key_mask.Data(), n, &s, probs.Data(), keep,
                                       keep ? dropped.Data() : nullptr, context.Data());
  transformer::AttentionHeadsBackwardOn(path, config, q, k, v, n, probs.Data(), keep, keep ? dropped.Data() : nullptr,
                                        dcontext, &g, dq.Data(), dk.Data(), dv.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("probs", probs);
  out.Set("dropped", keep ? Napi::Value(dropped) : env.Null());
  out.Set("context", context);
  out.Set("dq", dq);
  out.Set("dk", dk);
  out.Set("dv", dv);
  return out;
}

}  // namespace

void RegisterTransformerBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeTransformer", NativeTransformerWrap::Define(env));
  exports.Set("elementwiseKernel", Napi::Function::New(env, ElementwiseKernel, "elementwiseKernel"));
  exports.Set("dropoutKernel", Napi::Function::New(env, DropoutKernel, "dropoutKernel"));
  exports.Set("layerNormKernel", Napi::Function::New(env, LayerNormKernel, "layerNormKernel"));
  exports.Set("attentionHeads", Napi::Function::New(env, AttentionHeads, "attentionHeads"));
}

}  // namespace ernie_slim
