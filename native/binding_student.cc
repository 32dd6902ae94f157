// The students' JavaScript face (contract: src/student/native-api.ts): argument checks, typed arrays and
// AsyncWorkers only; the work is in native/student.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_text.h"
#include "cuda/bow_gpu_trainer.h"
#include "student/model.h"
#include "student/text_prediction.h"
#include "student/trainer.h"

namespace ernie_slim {
namespace {

using student::Model;

[[noreturn]] void Throw(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, "StudentModel: " + message);
}

template <typename TA>
TA TypedArrayField(Napi::Env env, const Napi::Value& v, const char* name, napi_typedarray_type type,
                   const char* type_name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    Throw(env, std::string(name) + " must be a " + type_name);
  }
  return v.As<TA>();
}

Napi::Int32Array Int32Field(Napi::Env env, const Napi::Value& v, const char* name) {
  return TypedArrayField<Napi::Int32Array>(env, v, name, napi_int32_array, "Int32Array");
}

Napi::Object ObjectArg(Napi::Env env, const Napi::Value& v, const char* name) {
  if (!v.IsObject()) Throw(env, std::string(name) + " must be an object");
  return v.As<Napi::Object>();
}

double NumberField(Napi::Env env, const Napi::Object& o, const char* name, double fallback, bool required = false) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && !required) return fallback;
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) {
    Throw(env, std::string(name) + " must be a finite number");
  }
  return v.As<Napi::Number>().DoubleValue();
}

int64_t IntField(Napi::Env env, const Napi::Object& o, const char* name, int64_t fallback, int64_t lo, int64_t hi,
                 bool required = false) {
  double d = NumberField(env, o, name, static_cast<double>(fallback), required);
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    Throw(env, std::string(name) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int64_t>(d);
}

// Token rows copied out of JavaScript (so that the caller may reuse its arrays while a worker runs); a pair
// model's rows carry text_b's ids as a second CSR set.
struct OwnedRows {
  std::vector<int32_t> ids, offsets, ids_b, offsets_b;
  bool pair = false;
  int32_t count() const { return static_cast<int32_t>(offsets.size()) - 1; }
  student::TokenRows view() const {
    student::TokenRows rows{ids.data(), offsets.data(), count()};
    if (pair) {
      rows.ids_b = ids_b.data();
      rows.offsets_b = offsets_b.data();
    }
    return rows;
  }
};

void CheckIds(Napi::Env env, const int32_t* ids, size_t n, int32_t vocab_size, const char* name = "ids") {
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 1 || ids[i] >= vocab_size) {
      Throw(env, std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(ids[i]) + " is outside 1.." +
                     std::to_string(vocab_size - 1));
    }
  }
}

// One CSR set: ids and offsets (rows + 1 entries, from 0, not decreasing, ending at ids.length).
void ReadCsr(Napi::Env env, const Napi::Object& o, const char* ids_name, const char* offsets_name, int32_t vocab_size,
             std::vector<int32_t>* ids_out, std::vector<int32_t>* offsets_out) {
  Napi::Int32Array ids = Int32Field(env, o.Get(ids_name), ids_name);
  Napi::Int32Array offsets = Int32Field(env, o.Get(offsets_name), offsets_name);
  const std::string off = offsets_name;
  if (offsets.ElementLength() < 1) Throw(env, off + " must hold rows + 1 entries");
  ids_out->assign(ids.Data(), ids.Data() + ids.ElementLength());
  offsets_out->assign(offsets.Data(), offsets.Data() + offsets.ElementLength());
  const std::vector<int32_t>& o_ = *offsets_out;
  if (o_[0] != 0) Throw(env, off + "[0] must be 0");
  for (size_t r = 1; r < o_.size(); ++r) {
    if (o_[r] < o_[r - 1]) Throw(env, off + " must not decrease (at " + std::to_string(r) + ")");
  }
  if (static_cast<size_t>(o_.back()) != ids_out->size()) Throw(env, off + "[rows] must equal " + ids_name + ".length");
  CheckIds(env, ids_out->data(), ids_out->size(), vocab_size, ids_name);
}

OwnedRows ReadRows(Napi::Env env, const Napi::Object& o, const student::Config& config) {
  OwnedRows rows;
  ReadCsr(env, o, "ids", "offsets", config.vocab_size, &rows.ids, &rows.offsets);
  const bool has_b = !o.Get("idsB").IsUndefined() || !o.Get("offsetsB").IsUndefined();
  if (config.pair && !has_b) Throw(env, "a pair model needs text_b's rows too (idsB, offsetsB)");
  if (!config.pair && has_b) Throw(env, "idsB and offsetsB are for pair models only");
  if (has_b) {
    ReadCsr(env, o, "idsB", "offsetsB", config.vocab_size, &rows.ids_b, &rows.offsets_b);
    if (rows.offsets_b.size() != rows.offsets.size()) Throw(env, "offsetsB must hold as many rows as offsets");
    rows.pair = true;
  }
  return rows;
}

struct OwnedTrainingSet {
  OwnedRows rows;
  std::vector<int32_t> labels;
  std::vector<float> teacher;
  bool has_teacher = false;
  student::TrainingData view() const {
    return {rows.view(), labels.data(), has_teacher ? teacher.data() : nullptr};
  }
};

OwnedTrainingSet ReadTrainingSet(Napi::Env env, const Napi::Value& v, const student::Config& config) {
  Napi::Object o = ObjectArg(env, v, "data");
  OwnedTrainingSet set;
  set.rows = ReadRows(env, o, config);
  const size_t n = static_cast<size_t>(set.rows.count());
  Napi::Int32Array labels = Int32Field(env, o.Get("labels"), "labels");
  if (labels.ElementLength() != n) Throw(env, "labels must hold one entry per row");
  set.labels.assign(labels.Data(), labels.Data() + n);
  for (size_t r = 0; r < n; ++r) {
    if (set.labels[r] < -1 || set.labels[r] >= config.num_labels) {
      Throw(env, "labels[" + std::to_string(r) + "] = " + std::to_string(set.labels[r]) + " is outside -1.." +
                     std::to_string(config.num_labels - 1));
    }
  }
  Napi::Value t = o.Get("teacherLogits");
  if (!t.IsNull() && !t.IsUndefined()) {
    auto teacher = TypedArrayField<Napi::Float32Array>(env, t, "teacherLogits", napi_float32_array, "Float32Array");
    if (teacher.ElementLength() != n * config.num_labels) Throw(env, "teacherLogits must hold rows x numLabels values");
    set.teacher.assign(teacher.Data(), teacher.Data() + teacher.ElementLength());
    set.has_teacher = true;
  }
  return set;
}

std::vector<int32_t> ReadRowIndices(Napi::Env env, const Napi::Value& v, const char* name, int32_t rows) {
  Napi::Int32Array a = Int32Field(env, v, name);
  std::vector<int32_t> out(a.Data(), a.Data() + a.ElementLength());
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] < 0 || out[i] >= rows) Throw(env, std::string(name) + "[" + std::to_string(i) + "] is not a row index");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- workers

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }
  Napi::Promise::Deferred deferred_;
};

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<const Model> model, OwnedRows rows, int threads)
      : PromiseWorker(env), model_(std::move(model)), rows_(std::move(rows)), threads_(threads) {}

  void Execute() override {
    try {
      out_.resize(static_cast<size_t>(rows_.count()) * model_->config().num_labels);
      student::PredictRows(*model_, rows_.view(), threads_, out_.data());
    } catch (const std::exception& e) {
      SetError(std::string("StudentModel.predictRows: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Float32Array result = Napi::Float32Array::New(Env(), out_.size());
    if (!out_.empty()) std::memcpy(result.Data(), out_.data(), out_.size() * sizeof(float));
    deferred_.Resolve(result);
  }

 private:
  std::shared_ptr<const Model> model_;
  OwnedRows rows_;
  int threads_;
  std::vector<float> out_;
};

class PredictTextsWorker : public PromiseWorker {
 public:
  PredictTextsWorker(Napi::Env env, std::shared_ptr<const Model> model, std::shared_ptr<const student::TextEncoder> encoder,
                     student::TextBatch batch, int threads)
      : PromiseWorker(env),
        model_(std::move(model)),
        encoder_(std::move(encoder)),
        batch_(std::move(batch)),
        threads_(threads) {}

  void Execute() override {
    try {
      const size_t rows = batch_.rows.size();
      logits_.resize(rows * model_->config().num_labels);
      needs_reference_.resize(rows);
      student::PredictTexts(*model_, *encoder_, batch_, threads_, logits_.data(), needs_reference_.data());
    } catch (const std::exception& e) {
      SetError(std::string("StudentModel.predictTexts: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Float32Array logits = Napi::Float32Array::New(env, logits_.size());
    if (!logits_.empty()) std::memcpy(logits.Data(), logits_.data(), logits_.size() * sizeof(float));
    Napi::Uint8Array needs = Napi::Uint8Array::New(env, needs_reference_.size());
    if (!needs_reference_.empty()) std::memcpy(needs.Data(), needs_reference_.data(), needs_reference_.size());
    Napi::Object out = Napi::Object::New(env);
    out.Set("logits", logits);
    out.Set("needsReference", needs);
    deferred_.Resolve(out);
  }

 private:
  std::shared_ptr<const Model> model_;
  std::shared_ptr<const student::TextEncoder> encoder_;
  student::TextBatch batch_;
  int threads_;
  std::vector<float> logits_;
  std::vector<uint8_t> needs_reference_;
};

class StudentModelWrap;

class TrainWorker : public PromiseWorker {
 public:
  TrainWorker(Napi::Env env, StudentModelWrap* owner, Napi::Object owner_object, std::shared_ptr<Model> model,
              std::shared_ptr<cuda::BowGpuTrainer> gpu, OwnedTrainingSet data, std::vector<int32_t> order,
              student::EpochOptions options)
      : PromiseWorker(env),
        owner_(owner),
        owner_ref_(Napi::Persistent(owner_object)),
        model_(std::move(model)),
        gpu_(std::move(gpu)),
        data_(std::move(data)),
        order_(std::move(order)),
        options_(options) {}

  void Execute() override {
    try {
      result_ = gpu_ ? gpu_->TrainEpoch(model_.get(), data_.view(), order_, options_)
                     : student::TrainEpoch(model_.get(), data_.view(), order_, options_);
    } catch (const std::exception& e) {
      SetError(std::string("StudentModel.trainEpoch: ") + e.what());
    }
  }
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  StudentModelWrap* owner_;
  Napi::ObjectReference owner_ref_;  // keeps the model object alive while training
  std::shared_ptr<Model> model_;
  std::shared_ptr<cuda::BowGpuTrainer> gpu_;  // null: the CPU trains
  OwnedTrainingSet data_;
  std::vector<int32_t> order_;
  student::EpochOptions options_;
  student::EpochResult result_;
};

// ---------------------------------------------------------------------------------------------- class

class StudentModelWrap : public Napi::ObjectWrap<StudentModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StudentModel",
                       {
                           InstanceAccessor<&StudentModelWrap::GetConfig>("config"),
                           InstanceMethod<&StudentModelWrap::GetWeights>("getWeights"),
                           InstanceMethod<&StudentModelWrap::SetWeights>("setWeights"),
                           InstanceMethod<&StudentModelWrap::PredictRow>("predictRow"),
                           InstanceMethod<&StudentModelWrap::PredictRows>("predictRows"),
                           InstanceMethod<&StudentModelWrap::PredictText>("predictText"),
                           InstanceMethod<&StudentModelWrap::PredictTexts>("predictTexts"),
                           InstanceMethod<&StudentModelWrap::TrainEpoch>("trainEpoch"),
                           InstanceMethod<&StudentModelWrap::LossAndGradients>("lossAndGradients"),
                       });
  }

  explicit StudentModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StudentModelWrap>(info) {
    Napi::Env env = info.Env();
    if (!info.IsConstructCall()) Throw(env, "use new StudentModel(config)");
    Napi::Object o = ObjectArg(env, info[0], "config");
    student::Config c;
    Napi::Value kind = o.Get("kind");
    if (!kind.IsString() || !student::ParseKind(kind.As<Napi::String>().Utf8Value(), &c.kind)) {
      Throw(env, "config.kind must be 'bow', 'cnn' or 'lstm'");
    }
    c.vocab_size = static_cast<int32_t>(IntField(env, o, "vocabSize", 0, 2, 0x7fffffff, true));
    c.bigram_buckets = static_cast<int32_t>(IntField(env, o, "bigramBuckets", 0, 0, 0x7fffffff));
    c.embed_dim = static_cast<int>(IntField(env, o, "embDim", 128, 1, 65536));
    c.hidden = static_cast<int>(IntField(env, o, "hidden", 128, 1, 65536));
    c.num_labels = static_cast<int>(IntField(env, o, "numLabels", 2, 2, 65536, true));
    c.seed = static_cast<uint32_t>(IntField(env, o, "seed", 1, 0, 0xffffffffLL));
    Napi::Value pair = o.Get("pair");
    if (!pair.IsUndefined() && !pair.IsBoolean()) Throw(env, "config.pair must be a boolean");
    c.pair = pair.IsBoolean() && pair.As<Napi::Boolean>().Value();
    c.match_hidden = static_cast<int>(IntField(env, o, "matchHidden", 0, 0, 65536));
    std::string problem = c.Validate();
    if (!problem.empty()) Throw(env, problem);
    try {
      model_ = std::make_shared<Model>(c);
      scratch_ = std::make_unique<student::State>(*model_, false);
    } catch (const std::bad_alloc&) {
      throw Napi::RangeError::New(env, "StudentModel: not enough memory for the weights");
    }
  }

  void TrainingDone() { training_ = false; }

 private:
  Napi::Value GetConfig(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const student::Config& c = model_->config();
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", student::KindName(c.kind));
    o.Set("vocabSize", c.vocab_size);
    o.Set("bigramBuckets", c.bigram_buckets);
    o.Set("embDim", c.embed_dim);
    o.Set("hidden", c.hidden);
    o.Set("numLabels", c.num_labels);
    o.Set("seed", static_cast<double>(c.seed));
    o.Set("pair", c.pair);
    o.Set("matchHidden", c.match_hidden);
    return o;
  }

  void RefuseWhileTraining(Napi::Env env, const char* what) {
    if (training_) Throw(env, std::string(what) + " while trainEpoch is running");
  }

  Napi::Value GetWeights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    for (const student::Parameter& p : model_->parameters()) {
      Napi::Object entry = Napi::Object::New(env);
      Napi::Array shape = Napi::Array::New(env, p.shape.size());
      for (size_t i = 0; i < p.shape.size(); ++i) shape.Set(static_cast<uint32_t>(i), static_cast<double>(p.shape[i]));
      Napi::Float32Array data = Napi::Float32Array::New(env, p.size());
      std::memcpy(data.Data(), p.value.data(), p.size() * sizeof(float));
      entry.Set("shape", shape);
      entry.Set("data", data);
      out.Set(p.name, entry);
    }
    return out;
  }

  Napi::Value SetWeights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RefuseWhileTraining(env, "setWeights");
    Napi::Object weights = ObjectArg(env, info[0], "weights");
    // Check everything first so that a bad argument changes nothing.
    std::vector<Napi::Float32Array> arrays;
    for (const student::Parameter& p : model_->parameters()) {
      Napi::Value v = weights.Get(p.name);
      if (!v.IsObject()) Throw(env, "weights." + p.name + " is missing");
      Napi::Object entry = v.As<Napi::Object>();
      Napi::Value shape = entry.Get("shape");
      if (!shape.IsArray() || shape.As<Napi::Array>().Length() != p.shape.size()) {
        Throw(env, "weights." + p.name + ".shape must be [" + ShapeString(p.shape) + "]");
      }
      for (uint32_t i = 0; i < p.shape.size(); ++i) {
        Napi::Value d = shape.As<Napi::Array>().Get(i);
        if (!d.IsNumber() || d.As<Napi::Number>().DoubleValue() != static_cast<double>(p.shape[i])) {
          Throw(env, "weights." + p.name + ".shape must be [" + ShapeString(p.shape) + "]");
        }
      }
      auto data = TypedArrayField<Napi::Float32Array>(env, entry.Get("data"), ("weights." + p.name + ".data").c_str(),
                                                      napi_float32_array, "Float32Array");
      if (data.ElementLength() != p.size()) Throw(env, "weights." + p.name + ".data has the wrong length");
      arrays.push_back(data);
    }
    auto& params = model_->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      std::memcpy(params[i].value.data(), arrays[i].Data(), params[i].size() * sizeof(float));
    }
    if (gpu_) gpu_->HostWeightsChanged();
    return env.Undefined();
  }

  Napi::Value PredictRow(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const student::Config& c = model_->config();
    Napi::Int32Array ids = Int32Field(env, info[0], "ids");
    CheckIds(env, ids.Data(), ids.ElementLength(), c.vocab_size);
    student::TokenSpan a{ids.Data(), static_cast<int>(ids.ElementLength())}, b;
    const bool has_b = info.Length() > 1 && !info[1].IsUndefined();
    if (c.pair && !has_b) Throw(env, "a pair model needs text_b's ids (idsB)");
    if (!c.pair && has_b) Throw(env, "idsB is for pair models only");
    if (has_b) {
      Napi::Int32Array ids_b = Int32Field(env, info[1], "idsB");
      CheckIds(env, ids_b.Data(), ids_b.ElementLength(), c.vocab_size, "idsB");
      b = {ids_b.Data(), static_cast<int>(ids_b.ElementLength())};
    }
    const float* logits = model_->Forward(a, b, scratch_.get());
    Napi::Float32Array out = Napi::Float32Array::New(env, c.num_labels);
    std::memcpy(out.Data(), logits, c.num_labels * sizeof(float));
    return out;
  }

  // predictText(encoder, textA, textB | undefined, out: Float32Array): the text's logits into out, in one
  // native call; false (out untouched) when the encoder leaves the text to the reference path.
  Napi::Value PredictText(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    TextEncoderRef ref = UnwrapTextEncoder(info[0]);
    student::TextEncoderScratch& s = *ref.scratch;
    const std::u16string_view a(s.text.data(), ReadUtf16(info[1], "textA", &s.text));
    std::u16string_view b;
    const bool has_b = !info[2].IsUndefined() && !info[2].IsNull();
    if (has_b) b = std::u16string_view(s.text_b.data(), ReadUtf16(info[2], "textB", &s.text_b));
    auto out = TypedArrayField<Napi::Float32Array>(env, info[3], "out", napi_float32_array, "Float32Array");
    const int L = model_->config().num_labels;
    if (out.ElementLength() < static_cast<size_t>(L)) Throw(env, "out must hold numLabels values");
    if (!ref.encoder->Encode(a, has_b ? &b : nullptr, &s, &s.ids) || !student::IdsFitModel(s.ids, model_->config())) {
      return Napi::Boolean::New(env, false);
    }
    const float* logits = model_->Forward({s.ids.data(), static_cast<int>(s.ids.size())}, {}, scratch_.get());
    std::memcpy(out.Data(), logits, L * sizeof(float));
    return Napi::Boolean::New(env, true);
  }

  // predictTexts(encoder, texts, textsB | undefined, threads) -> Promise<{ logits, needsReference }>
  Napi::Value PredictTexts(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    TextEncoderRef ref = UnwrapTextEncoder(info[0]);
    student::TextBatch batch = ReadTextBatch(info[1], info[2]);
    const double t = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : 1;
    if (!(t >= 1 && t <= 1024 && t == std::floor(t))) Throw(env, "threads must be an integer in 1..1024");
    auto* worker = new PredictTextsWorker(env, model_, ref.encoder, std::move(batch), static_cast<int>(t));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value PredictRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = ObjectArg(env, info[0], "rows");
    OwnedRows rows = ReadRows(env, o, model_->config());
    int threads = 1;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      double t = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
      if (!(t >= 1 && t <= 1024 && t == std::floor(t))) Throw(env, "threads must be an integer in 1..1024");
      threads = static_cast<int>(t);
    }
    auto* worker = new PredictWorker(env, model_, std::move(rows), threads);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value TrainEpoch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RefuseWhileTraining(env, "trainEpoch");
    const student::Config& c = model_->config();
    OwnedTrainingSet data = ReadTrainingSet(env, info[0], c);
    Napi::Object o = ObjectArg(env, info[1], "options");
    std::vector<int32_t> order = ReadRowIndices(env, o.Get("order"), "order", data.rows.count());
    student::EpochOptions opt;
    opt.batch_size = static_cast<int32_t>(IntField(env, o, "batchSize", 32, 1, 1 << 24));
    opt.lr = static_cast<float>(NumberField(env, o, "lr", 1e-3, true));
    opt.step_offset = IntField(env, o, "stepOffset", 0, 0, 1LL << 50);
    opt.total_steps = IntField(env, o, "totalSteps", 1, 0, 1LL << 50);
    opt.warmup_steps = IntField(env, o, "warmupSteps", 0, 0, 1LL << 50);
    opt.weight_decay = static_cast<float>(NumberField(env, o, "weightDecay", 0.0));
    opt.clip_norm = static_cast<float>(NumberField(env, o, "clipNorm", 0.0));
    opt.loss = ReadLossOptions(env, NumberField(env, o, "temperature", 1.0), NumberField(env, o, "alpha", 0.5),
                               NumberField(env, o, "labelSmoothing", 0.0));
    opt.threads = static_cast<int>(IntField(env, o, "threads", 1, 1, 1024));
    opt.seed = static_cast<uint32_t>(IntField(env, o, "seed", 1, 0, 0xffffffffLL));
    opt.word_dropout = static_cast<float>(NumberField(env, o, "wordDropout", 0.0));
    if (!(opt.word_dropout >= 0.0f && opt.word_dropout < 1.0f)) Throw(env, "wordDropout must be in [0, 1)");
    opt.feature_dropout = static_cast<float>(NumberField(env, o, "featureDropout", 0.0));
    if (!(opt.feature_dropout >= 0.0f && opt.feature_dropout < 1.0f)) Throw(env, "featureDropout must be in [0, 1)");
    if (opt.lr < 0 || opt.weight_decay < 0 || opt.clip_norm < 0) Throw(env, "lr, weightDecay and clipNorm must be >= 0");
    std::shared_ptr<cuda::BowGpuTrainer> gpu = ReadDevice(env, o.Get("device")) ? Gpu(env) : nullptr;
    if (gpu) RefuseOnGpu(env, opt.feature_dropout, opt.loss.label_smoothing);
    training_ = true;
    auto* worker = new TrainWorker(env, this, Value(), model_, std::move(gpu), std::move(data), std::move(order), opt);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value LossAndGradients(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RefuseWhileTraining(env, "lossAndGradients");
    OwnedTrainingSet data = ReadTrainingSet(env, info[0], model_->config());
    std::vector<int32_t> rows = ReadRowIndices(env, info[1], "rows", data.rows.count());
    double t = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 1.0;
    double a = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : 0.5;
    const bool on_gpu = ReadDevice(env, info[4]);
    // Optional { featureDropout, seed, labelSmoothing }: the masks come from Random(seed), so a test can draw
    // the same ones.
    float feature_dropout = 0.0f;
    double label_smoothing = 0.0;
    uint32_t seed = 1;
    if (info.Length() > 5 && info[5].IsObject()) {
      Napi::Object o = info[5].As<Napi::Object>();
      feature_dropout = static_cast<float>(NumberField(env, o, "featureDropout", 0.0));
      if (!(feature_dropout >= 0.0f && feature_dropout < 1.0f)) Throw(env, "featureDropout must be in [0, 1)");
      seed = static_cast<uint32_t>(IntField(env, o, "seed", 1, 0, 0xffffffffLL));
      label_smoothing = NumberField(env, o, "labelSmoothing", 0.0);
    }
    student::LossOptions loss_options = ReadLossOptions(env, t, a, label_smoothing);
    if (on_gpu) RefuseOnGpu(env, feature_dropout, loss_options.label_smoothing);
    Random rng(seed);
    student::State state(*model_, true);
    double loss;
    try {
      loss = on_gpu ? Gpu(env)->LossAndGradients(*model_, data.view(), rows.data(), static_cast<int>(rows.size()),
                                                 loss_options, &state)
                    : student::BatchLossAndGradients(*model_, data.view(), rows.data(), static_cast<int>(rows.size()),
                                                     loss_options, &state, 0.0f, &rng, feature_dropout);
    } catch (const std::runtime_error& e) {
      Throw(env, e.what());
    }
    Napi::Object grads = Napi::Object::New(env);
    const auto& params = model_->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      Napi::Float32Array g = Napi::Float32Array::New(env, params[i].size());
      if (params[i].sparse) {
        std::memset(g.Data(), 0, params[i].size() * sizeof(float));
        const auto& sg = state.embedding_grad;
        for (size_t k = 0; k < sg.size(); ++k) {
          std::memcpy(g.Data() + static_cast<size_t>(sg.row(k)) * sg.dim(), sg.values(k), sg.dim() * sizeof(float));
        }
      } else {
        std::memcpy(g.Data(), state.grads[i].data(), params[i].size() * sizeof(float));
      }
      grads.Set(params[i].name, g);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", loss);
    out.Set("gradients", grads);
    return out;
  }

  // True for 'cuda', false for 'cpu' or undefined.
  static bool ReadDevice(Napi::Env env, const Napi::Value& v) {
    if (v.IsUndefined()) return false;
    const std::string device = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    if (device != "cpu" && device != "cuda") Throw(env, "device must be 'cpu' or 'cuda'");
    return device == "cuda";
  }

  // The device trainer, made on first use; weights and moments move to the device then.
  std::shared_ptr<cuda::BowGpuTrainer> Gpu(Napi::Env env) {
    if (!gpu_) {
      std::string problem;
      try {
        gpu_ = cuda::BowGpuTrainer::Create(*model_, &problem);
      } catch (const std::runtime_error& e) {
        problem = e.what();
      }
      if (!gpu_) throw Napi::Error::New(env, "StudentModel: device cuda: " + problem);
    }
    return gpu_;
  }

  static student::LossOptions ReadLossOptions(Napi::Env env, double temperature, double alpha,
                                              double label_smoothing) {
    if (!(temperature > 0) || !std::isfinite(temperature)) Throw(env, "temperature must be > 0");
    if (!(alpha >= 0 && alpha <= 1)) Throw(env, "alpha must be in [0, 1]");
    if (!(label_smoothing >= 0 && label_smoothing < 1)) Throw(env, "labelSmoothing must be in [0, 1)");
    student::LossOptions o;
    o.temperature = static_cast<float>(temperature);
    o.alpha = static_cast<float>(alpha);
    o.label_smoothing = static_cast<float>(label_smoothing);
    return o;
  }

  // The CUDA trainer implements neither regularizer: refused rather than silently left out.
  static void RefuseOnGpu(Napi::Env env, float feature_dropout, float label_smoothing) {
    if (feature_dropout > 0.0f) Throw(env, "StudentModel: device cuda: the CUDA trainer has no feature dropout");
    if (label_smoothing > 0.0f) Throw(env, "StudentModel: device cuda: the CUDA trainer has no label smoothing");
  }

  static std::string ShapeString(const std::vector<int64_t>& shape) {
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s;
  }

  std::shared_ptr<Model> model_;
  std::unique_ptr<student::State> scratch_;  // predictRow's buffers, reused call after call
  std::shared_ptr<cuda::BowGpuTrainer> gpu_;
  bool training_ = false;
};

void TrainWorker::OnOK() {
  owner_->TrainingDone();
  Napi::Env env = Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", result_.loss);
  r.Set("tokens", static_cast<double>(result_.tokens));
  r.Set("steps", static_cast<double>(result_.steps));
  r.Set("seconds", result_.seconds);
  r.Set("finite", result_.finite);
  deferred_.Resolve(r);
}

void TrainWorker::OnError(const Napi::Error& e) {
  owner_->TrainingDone();
  deferred_.Reject(e.Value());
}

}  // namespace

void RegisterStudentBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("StudentModel", StudentModelWrap::Define(env));
}

}  // namespace ernie_slim
