// The students' JavaScript face (contract: src/student/native-api.ts): argument types, typed arrays and
// workers only; value ranges are the core's Validate() and the work is in native/student.
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding_corpus_cache.h"
#include "binding_registry.h"
#include "binding_text.h"
#include "binding_util.h"
#include "cuda/bow_gpu_trainer.h"
#include "student/cache_trainer.h"
#include "student/model.h"
#include "student/product_quantizer.h"
#include "student/text_prediction.h"
#include "student/trainer.h"

namespace ernie_slim {
namespace {

using student::Model;

// Every argument error of the class names it.
Caller Student(Napi::Env env) { return {env, "StudentModel"}; }

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

void CheckIds(const Caller& c, const int32_t* ids, size_t n, int32_t vocab_size, const char* name = "ids") {
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 1 || ids[i] >= vocab_size) {
      c.Fail(std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(ids[i]) + " is outside 1.." +
             std::to_string(vocab_size - 1));
    }
  }
}

// One CSR set: ids and offsets (rows + 1 entries, from 0, not decreasing, ending at ids.length).
void ReadCsr(const Caller& c, const Napi::Object& o, const char* ids_name, const char* offsets_name, int32_t vocab_size,
             std::vector<int32_t>* ids_out, std::vector<int32_t>* offsets_out) {
  Napi::Int32Array ids = ReadTypedArray<int32_t>(c, o.Get(ids_name), ids_name);
  Napi::Int32Array offsets = ReadTypedArray<int32_t>(c, o.Get(offsets_name), offsets_name);
  const std::string off = offsets_name;
  if (offsets.ElementLength() < 1) c.Fail(off + " must hold rows + 1 entries");
  ids_out->assign(ids.Data(), ids.Data() + ids.ElementLength());
  offsets_out->assign(offsets.Data(), offsets.Data() + offsets.ElementLength());
  const std::vector<int32_t>& o_ = *offsets_out;
  if (o_[0] != 0) c.Fail(off + "[0] must be 0");
  for (size_t r = 1; r < o_.size(); ++r) {
    if (o_[r] < o_[r - 1]) c.Fail(off + " must not decrease (at " + std::to_string(r) + ")");
  }
  if (static_cast<size_t>(o_.back()) != ids_out->size()) c.Fail(off + "[rows] must equal " + ids_name + ".length");
  CheckIds(c, ids_out->data(), ids_out->size(), vocab_size, ids_name);
}

OwnedRows ReadRows(const Caller& c, const Napi::Object& o, const student::Config& config) {
  OwnedRows rows;
  ReadCsr(c, o, "ids", "offsets", config.vocab_size, &rows.ids, &rows.offsets);
  const bool has_b = !o.Get("idsB").IsUndefined() || !o.Get("offsetsB").IsUndefined();
  if (config.pair && !has_b) c.Fail("a pair model needs text_b's rows too (idsB, offsetsB)");
  if (!config.pair && has_b) c.Fail("idsB and offsetsB are for pair models only");
  if (has_b) {
    ReadCsr(c, o, "idsB", "offsetsB", config.vocab_size, &rows.ids_b, &rows.offsets_b);
    if (rows.offsets_b.size() != rows.offsets.size()) c.Fail("offsetsB must hold as many rows as offsets");
    rows.pair = true;
  }
  return rows;
}

struct OwnedTrainingSet {
  OwnedRows rows;
  std::vector<int32_t> labels;
  std::vector<float> teacher;
  bool has_teacher = false;
  student::TrainingData view() const { return {rows.view(), labels.data(), has_teacher ? teacher.data() : nullptr}; }
};

OwnedTrainingSet ReadTrainingSet(const Caller& c, const Napi::Value& v, const student::Config& config) {
  Napi::Object o = ReadObject(c, v, "data");
  OwnedTrainingSet set;
  set.rows = ReadRows(c, o, config);
  const size_t n = static_cast<size_t>(set.rows.count());
  Napi::Int32Array labels = ReadTypedArray<int32_t>(c, o.Get("labels"), "labels");
  if (labels.ElementLength() != n) c.Fail("labels must hold one entry per row");
  set.labels.assign(labels.Data(), labels.Data() + n);
  for (size_t r = 0; r < n; ++r) {
    if (set.labels[r] < -1 || set.labels[r] >= config.num_labels) {
      c.Fail("labels[" + std::to_string(r) + "] = " + std::to_string(set.labels[r]) + " is outside -1.." +
             std::to_string(config.num_labels - 1));
    }
  }
  Napi::Value t = o.Get("teacherLogits");
  if (!Absent(t)) {
    Napi::Float32Array teacher = ReadTypedArray<float>(c, t, "teacherLogits");
    if (teacher.ElementLength() != n * config.num_labels) c.Fail("teacherLogits must hold rows x numLabels values");
    set.teacher.assign(teacher.Data(), teacher.Data() + teacher.ElementLength());
    set.has_teacher = true;
  }
  return set;
}

std::vector<int32_t> ReadRowIndices(const Caller& c, const Napi::Value& v, const char* name, int32_t rows) {
  Napi::Int32Array a = ReadTypedArray<int32_t>(c, v, name);
  std::vector<int32_t> out(a.Data(), a.Data() + a.ElementLength());
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] < 0 || out[i] >= rows) c.Fail(std::string(name) + "[" + std::to_string(i) + "] is not a row index");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- workers

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<const Model> model, OwnedRows rows, int threads)
      : PromiseWorker(env, "StudentModel.predictRows"),
        model_(std::move(model)),
        rows_(std::move(rows)),
        threads_(threads) {}

 protected:
  void Run() override {
    out_.resize(static_cast<size_t>(rows_.count()) * model_->config().num_labels);
    student::PredictRows(*model_, rows_.view(), threads_, out_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array result = Napi::Float32Array::New(env, out_.size());
    if (!out_.empty()) std::memcpy(result.Data(), out_.data(), out_.size() * sizeof(float));
    return result;
  }

 private:
  std::shared_ptr<const Model> model_;
  OwnedRows rows_;
  int threads_;
  std::vector<float> out_;
};

class PredictTextsWorker : public PromiseWorker {
 public:
  PredictTextsWorker(Napi::Env env, std::shared_ptr<const Model> model,
                     std::shared_ptr<const student::TextEncoder> encoder, student::TextBatch batch, int threads)
      : PromiseWorker(env, "StudentModel.predictTexts"),
        model_(std::move(model)),
        encoder_(std::move(encoder)),
        batch_(std::move(batch)),
        threads_(threads) {}

 protected:
  void Run() override {
    const size_t rows = batch_.rows.size();
    logits_.resize(rows * model_->config().num_labels);
    needs_reference_.resize(rows);
    student::PredictTexts(*model_, *encoder_, batch_, threads_, logits_.data(), needs_reference_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array logits = Napi::Float32Array::New(env, logits_.size());
    if (!logits_.empty()) std::memcpy(logits.Data(), logits_.data(), logits_.size() * sizeof(float));
    Napi::Uint8Array needs = Napi::Uint8Array::New(env, needs_reference_.size());
    if (!needs_reference_.empty()) std::memcpy(needs.Data(), needs_reference_.data(), needs_reference_.size());
    Napi::Object out = Napi::Object::New(env);
    out.Set("logits", logits);
    out.Set("needsReference", needs);
    return out;
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
      : PromiseWorker(env, "StudentModel.trainEpoch"),
        owner_(owner),
        model_(std::move(model)),
        gpu_(std::move(gpu)),
        data_(std::move(data)),
        order_(std::move(order)),
        options_(options) {
    Hold(owner_object);  // the model object lives while it trains
  }

 protected:
  void Run() override {
    result_ = gpu_ ? gpu_->TrainEpoch(model_.get(), data_.view(), order_, options_)
                   : student::TrainEpoch(model_.get(), data_.view(), order_, options_);
  }
  Napi::Value Result(Napi::Env env) override;
  void Settled() override;

 private:
  StudentModelWrap* owner_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<cuda::BowGpuTrainer> gpu_;  // null: the CPU trains
  OwnedTrainingSet data_;
  std::vector<int32_t> order_;
  student::EpochOptions options_;
  student::EpochResult result_;
};

class CacheTrainWorker : public PromiseWorker {
 public:
  CacheTrainWorker(Napi::Env env, StudentModelWrap* owner, Napi::Object owner_object, Napi::Object cache_object,
                   std::shared_ptr<Model> model, std::shared_ptr<const student::CorpusCacheReader> cache,
                   student::CacheIdTables tables, student::EpochOptions options, int32_t window_blocks)
      : PromiseWorker(env, "StudentModel.trainCacheEpoch"),
        owner_(owner),
        model_(std::move(model)),
        cache_(std::move(cache)),
        tables_(std::move(tables)),
        options_(options),
        window_blocks_(window_blocks) {
    Hold(owner_object);
    Hold(cache_object);
  }

 protected:
  void Run() override { result_ = student::TrainCacheEpoch(model_.get(), *cache_, tables_, options_, window_blocks_); }
  Napi::Value Result(Napi::Env env) override;
  void Settled() override;

 private:
  StudentModelWrap* owner_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<const student::CorpusCacheReader> cache_;
  student::CacheIdTables tables_;
  student::EpochOptions options_;
  int32_t window_blocks_;
  student::EpochResult result_;
};

Napi::Value EpochResultObject(Napi::Env env, const student::EpochResult& result) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", result.loss);
  r.Set("tokens", static_cast<double>(result.tokens));
  r.Set("steps", static_cast<double>(result.steps));
  r.Set("seconds", result.seconds);
  r.Set("finite", result.finite);
  return r;
}

// ---------------------------------------------------------------------------------------------- class

class StudentModelWrap : public Napi::ObjectWrap<StudentModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StudentModel",
                       {
                           InstanceAccessor<&StudentModelWrap::GetConfig>("config"),
                           InstanceMethod<&StudentModelWrap::GetWeights>("getWeights"),
                           InstanceMethod<&StudentModelWrap::SetWeights>("setWeights"),
                           InstanceMethod<&StudentModelWrap::SetQuantizedEmbedding>("setQuantizedEmbedding"),
                           InstanceMethod<&StudentModelWrap::GetQuantizedEmbedding>("getQuantizedEmbedding"),
                           InstanceMethod<&StudentModelWrap::PruneEmbedding>("pruneEmbedding"),
                           InstanceMethod<&StudentModelWrap::FreezeEmbedding>("freezeEmbedding"),
                           InstanceMethod<&StudentModelWrap::PredictRow>("predictRow"),
                           InstanceMethod<&StudentModelWrap::PredictRows>("predictRows"),
                           InstanceMethod<&StudentModelWrap::PredictText>("predictText"),
                           InstanceMethod<&StudentModelWrap::PredictTexts>("predictTexts"),
                           InstanceMethod<&StudentModelWrap::TrainEpoch>("trainEpoch"),
                           InstanceMethod<&StudentModelWrap::TrainCacheEpoch>("trainCacheEpoch"),
                           InstanceMethod<&StudentModelWrap::LossAndGradients>("lossAndGradients"),
                       });
  }

  explicit StudentModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StudentModelWrap>(info) {
    const Caller c = Student(info.Env());
    if (!info.IsConstructCall()) c.Fail("use new StudentModel(config)");
    Napi::Object o = ReadObject(c, info[0], "config");
    student::Config config;
    if (!student::ParseKind(StringField(c, o, "kind", ""), &config.kind)) {
      c.Fail("config.kind must be 'bow', 'cnn' or 'lstm'");
    }
    config.vocab_size = IntegerField<int32_t>(c, o, "vocabSize");
    config.bigram_buckets = IntegerField<int32_t>(c, o, "bigramBuckets", config.bigram_buckets);
    config.embed_dim = IntegerField<int>(c, o, "embDim", config.embed_dim);
    config.hidden = IntegerField<int>(c, o, "hidden", config.hidden);
    config.num_labels = IntegerField<int>(c, o, "numLabels");
    config.seed = IntegerField<uint32_t>(c, o, "seed", config.seed);
    config.pair = BooleanField(c, o, "pair", config.pair);
    config.match_hidden = IntegerField<int>(c, o, "matchHidden", config.match_hidden);
    config.quantized_embedding = BooleanField(c, o, "quantizedEmbedding", false);
    c.Check(config.Validate());
    try {
      model_ = std::make_shared<Model>(config);
      scratch_ = std::make_unique<student::State>(*model_, false);
    } catch (const std::bad_alloc&) {
      c.FailRange("not enough memory for the weights");
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
    if (c.quantized_embedding) o.Set("quantizedEmbedding", true);
    return o;
  }

  void RefuseWhileTraining(const Caller& c, const char* what) {
    if (training_) c.Fail(std::string(what) + " while trainEpoch is running");
  }

  // A compact student's embedding is its QuantizedTable: getWeights and setWeights leave it out.
  static bool IsQuantized(const student::Parameter& p) { return p.quantized != nullptr; }

  void RefuseCompact(const Caller& c, const char* what) {
    if (model_->config().quantized_embedding) {
      c.Fail(std::string(what) + ": a compact student only predicts (train its float student, then quantize)");
    }
  }

  Napi::Value GetWeights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    for (const student::Parameter& p : model_->parameters()) {
      if (IsQuantized(p)) continue;
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
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "setWeights");
    Napi::Object weights = ReadObject(c, info[0], "weights");
    // Check everything first so that a bad argument changes nothing.
    std::vector<Napi::Float32Array> arrays;
    for (const student::Parameter& p : model_->parameters()) {
      if (IsQuantized(p)) {
        arrays.emplace_back();
        continue;
      }
      Napi::Value v = weights.Get(p.name);
      if (!v.IsObject()) c.Fail("weights." + p.name + " is missing");
      Napi::Object entry = v.As<Napi::Object>();
      Napi::Value shape = entry.Get("shape");
      if (!shape.IsArray() || shape.As<Napi::Array>().Length() != p.shape.size()) {
        c.Fail("weights." + p.name + ".shape must be [" + ShapeString(p.shape) + "]");
      }
      for (uint32_t i = 0; i < p.shape.size(); ++i) {
        Napi::Value d = shape.As<Napi::Array>().Get(i);
        if (!d.IsNumber() || d.As<Napi::Number>().DoubleValue() != static_cast<double>(p.shape[i])) {
          c.Fail("weights." + p.name + ".shape must be [" + ShapeString(p.shape) + "]");
        }
      }
      Napi::Float32Array data = ReadTypedArray<float>(c, entry.Get("data"), "weights." + p.name + ".data");
      if (data.ElementLength() != p.size()) c.Fail("weights." + p.name + ".data has the wrong length");
      arrays.push_back(data);
    }
    auto& params = model_->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      if (IsQuantized(params[i])) continue;
      std::memcpy(params[i].value.data(), arrays[i].Data(), params[i].size() * sizeof(float));
    }
    model_->ZeroPrunedRows();
    if (gpu_) gpu_->HostWeightsChanged();
    return info.Env().Undefined();
  }

  // freezeEmbedding(): every embedding row keeps its value and training moves only the layers above (model.h).
  Napi::Value FreezeEmbedding(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "freezeEmbedding");
    RefuseCompact(c, "freezeEmbedding");
    model_->FreezeEmbedding();
    if (gpu_) gpu_->HostWeightsChanged();
    return info.Env().Undefined();
  }

  // pruneEmbedding(kept: Int32Array): only these embedding rows are kept; the others are zeroed and stay zero
  // through training (model.h), as the compact student made from this one reads them.
  Napi::Value PruneEmbedding(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "pruneEmbedding");
    RefuseCompact(c, "pruneEmbedding");
    Napi::Int32Array kept = ReadTypedArray<int32_t>(c, info[0], "kept");
    const int64_t rows = model_->config().embedding_rows();
    std::vector<int32_t> ids(kept.Data(), kept.Data() + kept.ElementLength());
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0 || ids[k] >= rows) {
        c.Fail("kept[" + std::to_string(k) + "] = " + std::to_string(ids[k]) + " is outside 0.." +
               std::to_string(rows - 1));
      }
    }
    model_->PruneEmbedding(ids);
    if (gpu_) gpu_->HostWeightsChanged();
    return info.Env().Undefined();
  }

  // setQuantizedEmbedding({ dsub, rows: Int32Array, centroids: Float32Array, codes: Uint8Array, normCentroids?,
  // normCodes? }): a compact student's embedding (native/student/quantized_table.h), copied in.
  Napi::Value SetQuantizedEmbedding(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "setQuantizedEmbedding");
    const student::Config& config = model_->config();
    if (!config.quantized_embedding) c.Fail("setQuantizedEmbedding needs a model made with quantizedEmbedding: true");
    Napi::Object o = ReadObject(c, info[0], "table");
    const int dim = config.embed_dim;
    const int dsub = IntegerField<int>(c, o, "dsub");
    if (dsub < 1 || dsub > dim) c.Fail("table.dsub must be in 1..embDim");
    const int nsubq = (dim + dsub - 1) / dsub;
    Napi::Int32Array rows = ReadTypedArray<int32_t>(c, o.Get("rows"), "table.rows");
    Napi::Float32Array centroids = ReadTypedArray<float>(c, o.Get("centroids"), "table.centroids");
    Napi::Uint8Array codes = ReadTypedArray<uint8_t>(c, o.Get("codes"), "table.codes");
    const size_t kept = rows.ElementLength();
    if (centroids.ElementLength() != static_cast<size_t>(student::QuantizedTable::kCodebookSize) * dim) {
      c.Fail("table.centroids must hold 256 * embDim values");
    }
    if (codes.ElementLength() != kept * nsubq) c.Fail("table.codes must hold rows.length * ceil(embDim / dsub) codes");
    const float* norm_centroids = nullptr;
    const uint8_t* norm_codes = nullptr;
    Napi::Float32Array nc;
    Napi::Uint8Array ncodes;
    if (!Absent(o.Get("normCentroids"))) {
      nc = ReadTypedArray<float>(c, o.Get("normCentroids"), "table.normCentroids");
      ncodes = ReadTypedArray<uint8_t>(c, o.Get("normCodes"), "table.normCodes");
      if (nc.ElementLength() != student::QuantizedTable::kCodebookSize) {
        c.Fail("table.normCentroids must hold 256 values");
      }
      if (ncodes.ElementLength() != kept) c.Fail("table.normCodes must hold one code per kept row");
      norm_centroids = nc.Data();
      norm_codes = ncodes.Data();
    }
    auto table = std::make_shared<student::QuantizedTable>(config.embedding_rows(), dim, dsub, rows.Data(),
                                                           static_cast<int64_t>(kept), centroids.Data(), codes.Data(),
                                                           norm_centroids, norm_codes);
    c.Check(table->Validate());
    for (student::Parameter& p : model_->parameters()) {
      if (IsQuantized(p)) p.quantized = table;
    }
    return info.Env().Undefined();
  }

  // getQuantizedEmbedding(): the table setQuantizedEmbedding took, copied out (JavaScript keeps no copy of its own).
  Napi::Value GetQuantizedEmbedding(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    std::shared_ptr<const student::QuantizedTable> table;
    for (const student::Parameter& p : model_->parameters()) {
      if (IsQuantized(p)) table = p.quantized;
    }
    if (!table) c.Fail("getQuantizedEmbedding: the model holds no quantized embedding");
    const size_t kept = static_cast<size_t>(table->kept());
    const int nsubq = (table->dim() + table->dsub() - 1) / table->dsub();
    Napi::Int32Array rows = Napi::Int32Array::New(c.env, kept);
    Napi::Float32Array centroids =
        Napi::Float32Array::New(c.env, static_cast<size_t>(student::QuantizedTable::kCodebookSize) * table->dim());
    Napi::Uint8Array codes = Napi::Uint8Array::New(c.env, kept * nsubq);
    Napi::Object out = Napi::Object::New(c.env);
    out.Set("dsub", table->dsub());
    out.Set("rows", rows);
    out.Set("centroids", centroids);
    out.Set("codes", codes);
    float* norm_centroids = nullptr;
    uint8_t* norm_codes = nullptr;
    if (table->has_norms()) {
      Napi::Float32Array nc = Napi::Float32Array::New(c.env, student::QuantizedTable::kCodebookSize);
      Napi::Uint8Array ncodes = Napi::Uint8Array::New(c.env, kept);
      out.Set("normCentroids", nc);
      out.Set("normCodes", ncodes);
      norm_centroids = nc.Data();
      norm_codes = ncodes.Data();
    }
    table->CopyOut(rows.Data(), centroids.Data(), codes.Data(), norm_centroids, norm_codes);
    return out;
  }

  Napi::Value PredictRow(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    const student::Config& config = model_->config();
    Napi::Int32Array ids = ReadTypedArray<int32_t>(c, info[0], "ids");
    CheckIds(c, ids.Data(), ids.ElementLength(), config.vocab_size);
    student::TokenSpan a{ids.Data(), static_cast<int>(ids.ElementLength())}, b;
    const bool has_b = !info[1].IsUndefined();
    if (config.pair && !has_b) c.Fail("a pair model needs text_b's ids (idsB)");
    if (!config.pair && has_b) c.Fail("idsB is for pair models only");
    if (has_b) {
      Napi::Int32Array ids_b = ReadTypedArray<int32_t>(c, info[1], "idsB");
      CheckIds(c, ids_b.Data(), ids_b.ElementLength(), config.vocab_size, "idsB");
      b = {ids_b.Data(), static_cast<int>(ids_b.ElementLength())};
    }
    const float* logits = model_->Forward(a, b, scratch_.get());
    Napi::Float32Array out = Napi::Float32Array::New(c.env, config.num_labels);
    std::memcpy(out.Data(), logits, config.num_labels * sizeof(float));
    return out;
  }

  // predictText(encoder, textA, textB | undefined, out: Float32Array): the text's logits into out, in one
  // native call; false (out untouched) when the encoder leaves the text to the reference path.
  Napi::Value PredictText(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    TextEncoderRef ref = UnwrapTextEncoder(c, info[0]);
    student::TextEncoderScratch& s = *ref.scratch;
    const std::u16string_view a(s.text.data(), ReadUtf16(c, info[1], "textA", &s.text));
    std::u16string_view b;
    const bool has_b = !Absent(info[2]);
    if (has_b) b = std::u16string_view(s.text_b.data(), ReadUtf16(c, info[2], "textB", &s.text_b));
    Napi::Float32Array out = ReadTypedArray<float>(c, info[3], "out");
    const int L = model_->config().num_labels;
    if (out.ElementLength() < static_cast<size_t>(L)) c.Fail("out must hold numLabels values");
    if (!ref.encoder->Encode(a, has_b ? &b : nullptr, &s, &s.ids) || !student::IdsFitModel(s.ids, model_->config())) {
      return Napi::Boolean::New(c.env, false);
    }
    const float* logits = model_->Forward({s.ids.data(), static_cast<int>(s.ids.size())}, {}, scratch_.get());
    std::memcpy(out.Data(), logits, L * sizeof(float));
    return Napi::Boolean::New(c.env, true);
  }

  // predictTexts(encoder, texts, textsB | undefined, threads) -> Promise<{ logits, needsReference }>
  Napi::Value PredictTexts(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    TextEncoderRef ref = UnwrapTextEncoder(c, info[0]);
    student::TextBatch batch = ReadTextBatch(c, info[1], info[2]);
    const int threads = ReadThreads(c, info[3], 1);
    return (new PredictTextsWorker(c.env, model_, ref.encoder, std::move(batch), threads))->Start();
  }

  // predictRows(rows, threads) -> Promise<Float32Array>
  Napi::Value PredictRows(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    OwnedRows rows = ReadRows(c, ReadObject(c, info[0], "rows"), model_->config());
    const int threads = ReadThreads(c, info[1], 1);
    return (new PredictWorker(c.env, model_, std::move(rows), threads))->Start();
  }

  // trainEpoch(data, options) -> Promise<EpochResult>; the options' ranges are EpochOptions::Validate()'s.
  Napi::Value TrainEpoch(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "trainEpoch");
    RefuseCompact(c, "trainEpoch");
    OwnedTrainingSet data = ReadTrainingSet(c, info[0], model_->config());
    Napi::Object o = ReadObject(c, info[1], "options");
    std::vector<int32_t> order = ReadRowIndices(c, o.Get("order"), "order", data.rows.count());
    student::EpochOptions opt = ReadEpochOptions(c, o);
    c.Check(opt.Validate());
    const bool on_gpu = ReadDevice(c, o.Get("device"));
    if (on_gpu && model_->pruned_rows() != nullptr) c.Fail("device cuda: the CUDA trainer does not keep pruned rows");
    std::shared_ptr<cuda::BowGpuTrainer> gpu = on_gpu ? Gpu(c) : nullptr;
    if (gpu) RefuseOnGpu(c, opt);
    training_ = true;
    return (new TrainWorker(c.env, this, Value(), model_, std::move(gpu), std::move(data), std::move(order), opt))
        ->Start();
  }

  // trainCacheEpoch(cache, { words, labels }, options) -> Promise<EpochResult>: an epoch over a token cache
  // (a StudentCorpusCache), its provisional ids mapped by the tables; options as trainEpoch's, without order
  // and device, with windowBlocks (blocks read and shuffled together).
  Napi::Value TrainCacheEpoch(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "trainCacheEpoch");
    RefuseCompact(c, "trainCacheEpoch");
    std::shared_ptr<const student::CorpusCacheReader> cache = UnwrapCorpusCache(c, info[0]);
    const Model& model = *model_;
    if (cache->towers() != model.config().pair) c.Fail("the cache's rows and the model differ in text_b (pair)");
    Napi::Object t = ReadObject(c, info[1], "tables");
    student::CacheIdTables tables;
    Napi::Int32Array words = ReadTypedArray<int32_t>(c, t.Get("words"), "words");
    tables.words.assign(words.Data(), words.Data() + words.ElementLength());
    CheckIds(c, tables.words.data(), tables.words.size(), model.config().vocab_size, "words");
    Napi::Int32Array labels = ReadTypedArray<int32_t>(c, t.Get("labels"), "labels");
    tables.labels.assign(labels.Data(), labels.Data() + labels.ElementLength());
    for (size_t i = 0; i < tables.labels.size(); ++i) {
      if (tables.labels[i] < 0 || tables.labels[i] >= model.config().num_labels) {
        c.Fail("labels[" + std::to_string(i) + "] is not a label id");
      }
    }
    Napi::Object o = ReadObject(c, info[2], "options");
    student::EpochOptions opt = ReadEpochOptions(c, o);
    const int32_t window_blocks = IntegerField<int32_t>(c, o, "windowBlocks", 64);
    if (window_blocks < 1) c.Fail("windowBlocks must be >= 1");
    c.Check(opt.Validate());
    training_ = true;
    return (new CacheTrainWorker(c.env, this, Value(), info[0].As<Napi::Object>(), model_, std::move(cache),
                                 std::move(tables), opt, window_blocks))
        ->Start();
  }

  // trainEpoch's options but the order and the device; unchecked.
  static student::EpochOptions ReadEpochOptions(const Caller& c, const Napi::Object& o) {
    student::EpochOptions opt;
    opt.batch_size = IntegerField<int32_t>(c, o, "batchSize", opt.batch_size);
    opt.lr = static_cast<float>(NumberField(c, o, "lr"));
    opt.step_offset = IntegerField<int64_t>(c, o, "stepOffset", opt.step_offset);
    opt.total_steps = IntegerField<int64_t>(c, o, "totalSteps", opt.total_steps);
    opt.warmup_steps = IntegerField<int64_t>(c, o, "warmupSteps", opt.warmup_steps);
    opt.weight_decay = static_cast<float>(NumberField(c, o, "weightDecay", opt.weight_decay));
    opt.clip_norm = static_cast<float>(NumberField(c, o, "clipNorm", opt.clip_norm));
    opt.loss = ReadLossOptions(c, o, NumberField(c, o, "temperature", opt.loss.temperature),
                               NumberField(c, o, "alpha", opt.loss.alpha));
    opt.threads = ReadThreads(c, o.Get("threads"), opt.threads);
    opt.seed = IntegerField<uint32_t>(c, o, "seed", opt.seed);
    opt.word_dropout = static_cast<float>(NumberField(c, o, "wordDropout", opt.word_dropout));
    opt.feature_dropout = static_cast<float>(NumberField(c, o, "featureDropout", opt.feature_dropout));
    return opt;
  }

  // lossAndGradients(data, rows, temperature, alpha, device?, { featureDropout, seed, labelSmoothing }?): the
  // masks come from Random(seed), so a test can draw the same ones.
  Napi::Value LossAndGradients(const Napi::CallbackInfo& info) {
    const Caller c = Student(info.Env());
    RefuseWhileTraining(c, "lossAndGradients");
    RefuseCompact(c, "lossAndGradients");
    OwnedTrainingSet data = ReadTrainingSet(c, info[0], model_->config());
    std::vector<int32_t> rows = ReadRowIndices(c, info[1], "rows", data.rows.count());
    // One batch of an epoch: the epoch's options hold (and validate) the ones that apply.
    student::EpochOptions opt;
    const double temperature = Absent(info[2]) ? opt.loss.temperature : ReadNumber(c, info[2], "temperature");
    const double alpha = Absent(info[3]) ? opt.loss.alpha : ReadNumber(c, info[3], "alpha");
    const bool on_gpu = ReadDevice(c, info[4]);
    Napi::Object o = Absent(info[5]) ? Napi::Object::New(c.env) : ReadObject(c, info[5], "options");
    opt.feature_dropout = static_cast<float>(NumberField(c, o, "featureDropout", opt.feature_dropout));
    opt.seed = IntegerField<uint32_t>(c, o, "seed", opt.seed);
    opt.loss = ReadLossOptions(c, o, temperature, alpha);
    c.Check(opt.Validate());
    if (on_gpu) RefuseOnGpu(c, opt);
    Random rng(opt.seed);
    student::State state(*model_, true);
    const int count = static_cast<int>(rows.size());
    double loss = 0;
    try {
      loss = on_gpu ? Gpu(c)->LossAndGradients(*model_, data.view(), rows.data(), count, opt.loss, &state)
                    : student::BatchLossAndGradients(*model_, data.view(), rows.data(), count, opt.loss, &state, 0.0f,
                                                     &rng, opt.feature_dropout);
    } catch (const std::runtime_error& e) {
      c.Fail(e.what());
    }
    Napi::Env env = c.env;
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
  static bool ReadDevice(const Caller& c, const Napi::Value& v) {
    if (v.IsUndefined()) return false;
    const std::string device = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    if (device != "cpu" && device != "cuda") c.Fail("device must be 'cpu' or 'cuda'");
    return device == "cuda";
  }

  // The device trainer, made on first use; weights and moments move to the device then.
  std::shared_ptr<cuda::BowGpuTrainer> Gpu(const Caller& c) {
    if (!gpu_) {
      std::string problem;
      try {
        gpu_ = cuda::BowGpuTrainer::Create(*model_, &problem);
      } catch (const std::runtime_error& e) {
        problem = e.what();
      }
      if (!gpu_) throw Napi::Error::New(c.env, std::string(c.name) + ": device cuda: " + problem);
    }
    return gpu_;
  }

  // The loss's options (temperature and alpha read by the caller, labelSmoothing from o); unchecked.
  static student::LossOptions ReadLossOptions(const Caller& c, const Napi::Object& o, double temperature,
                                              double alpha) {
    student::LossOptions loss;
    loss.temperature = static_cast<float>(temperature);
    loss.alpha = static_cast<float>(alpha);
    loss.label_smoothing = static_cast<float>(NumberField(c, o, "labelSmoothing", loss.label_smoothing));
    return loss;
  }

  // The CUDA trainer implements neither regularizer: refused rather than silently left out.
  static void RefuseOnGpu(const Caller& c, const student::EpochOptions& opt) {
    if (opt.feature_dropout > 0.0f) c.Fail("device cuda: the CUDA trainer has no feature dropout");
    if (opt.loss.label_smoothing > 0.0f) c.Fail("device cuda: the CUDA trainer has no label smoothing");
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

void TrainWorker::Settled() { owner_->TrainingDone(); }

Napi::Value TrainWorker::Result(Napi::Env env) { return EpochResultObject(env, result_); }

void CacheTrainWorker::Settled() { owner_->TrainingDone(); }

Napi::Value CacheTrainWorker::Result(Napi::Env env) { return EpochResultObject(env, result_); }

// productQuantize(x, { rows, dim, dsub, seed, threads }) -> Promise<{ centroids, codes }>: codebooks and codes of
// a matrix (native/student/product_quantizer.h), off the event loop.
class ProductQuantizeWorker : public PromiseWorker {
 public:
  ProductQuantizeWorker(Napi::Env env, std::vector<float> x, student::ProductQuantizerOptions options)
      : PromiseWorker(env, "productQuantize"), x_(std::move(x)), options_(options) {}

 protected:
  void Run() override {
    const size_t nsubq = (options_.dim + options_.dsub - 1) / options_.dsub;
    centroids_.resize(static_cast<size_t>(256) * options_.dim);
    codes_.resize(static_cast<size_t>(options_.rows) * nsubq);
    student::ProductQuantize(x_.data(), options_, centroids_.data(), codes_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Float32Array centroids = Napi::Float32Array::New(env, centroids_.size());
    std::memcpy(centroids.Data(), centroids_.data(), centroids_.size() * sizeof(float));
    Napi::Uint8Array codes = Napi::Uint8Array::New(env, codes_.size());
    if (!codes_.empty()) std::memcpy(codes.Data(), codes_.data(), codes_.size());
    Napi::Object out = Napi::Object::New(env);
    out.Set("centroids", centroids);
    out.Set("codes", codes);
    return out;
  }

 private:
  std::vector<float> x_;
  student::ProductQuantizerOptions options_;
  std::vector<float> centroids_;
  std::vector<uint8_t> codes_;
};

Napi::Value ProductQuantize(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "productQuantize"};
  Napi::Float32Array x = ReadTypedArray<float>(c, info[0], "x");
  Napi::Object o = ReadObject(c, info[1], "options");
  student::ProductQuantizerOptions options;
  options.rows = IntegerField<int64_t>(c, o, "rows");
  options.dim = IntegerField<int>(c, o, "dim");
  options.dsub = IntegerField<int>(c, o, "dsub");
  options.seed = IntegerField<uint32_t>(c, o, "seed", options.seed);
  options.threads = ReadThreads(c, o.Get("threads"), options.threads);
  c.Check(options.Validate());
  if (x.ElementLength() != static_cast<size_t>(options.rows) * options.dim) c.Fail("x must hold rows * dim values");
  std::vector<float> copy(x.Data(), x.Data() + x.ElementLength());
  return (new ProductQuantizeWorker(c.env, std::move(copy), options))->Start();
}

}  // namespace

void RegisterStudentBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("StudentModel", StudentModelWrap::Define(env));
  exports.Set("productQuantize", Napi::Function::New(env, ProductQuantize, "productQuantize"));
}

}  // namespace ernie_slim
