// The token cache as JavaScript sees it (src/student/token-cache.ts): StudentCorpusCacheWriter segments
// batches of rows on worker threads into a cache file; StudentCorpusCache opens one for training epochs.
#include "binding_corpus_cache.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_text.h"
#include "student/cache_trainer.h"

namespace ernie_slim {

namespace {

using student::CorpusCacheReader;
using student::CorpusCacheWriter;

const napi_type_tag kCorpusCacheTag = {0x636f72707573636eULL, 0x6163686572656164ULL};

Caller WriterCaller(Napi::Env env) { return {env, "StudentCorpusCacheWriter"}; }
Caller CacheCaller(Napi::Env env) { return {env, "StudentCorpusCache"}; }

// (kind, labels, logits, numLabels) at info[first..]: the rows' kind (0 labeled, 1 teacher-labeled), their
// provisional label ids, and their logits (rows x numLabels, NaN rows for none) or null.
student::CacheRows ReadCacheRows(const Caller& c, const Napi::CallbackInfo& info, size_t first, size_t rows) {
  student::CacheRows out;
  const int64_t kind = ReadInteger(c, info[first], "kind", 0, 1);
  out.kind = kind == 0 ? student::CacheRowKind::kSupervised : student::CacheRowKind::kDistill;
  Napi::Int32Array labels = ReadTypedArray<int32_t>(c, info[first + 1], "labels");
  if (labels.ElementLength() != rows) c.Fail("labels must hold one entry per row");
  out.labels.assign(labels.Data(), labels.Data() + rows);
  if (!Absent(info[first + 2])) {
    out.num_labels = static_cast<uint32_t>(ReadInteger(c, info[first + 3], "numLabels", 1, 1 << 20));
    Napi::Float32Array logits = ReadTypedArray<float>(c, info[first + 2], "logits");
    if (logits.ElementLength() != rows * out.num_labels) c.Fail("logits must hold rows x numLabels values");
    out.logits.assign(logits.Data(), logits.Data() + logits.ElementLength());
  }
  return out;
}

class AppendTextsWorker : public PromiseWorker {
 public:
  AppendTextsWorker(Napi::Env env, Napi::Object owner, std::shared_ptr<CorpusCacheWriter> writer,
                    student::TextBatch batch, student::CacheRows rows)
      : PromiseWorker(env, "StudentCorpusCacheWriter.appendTexts"),
        writer_(std::move(writer)),
        batch_(std::move(batch)),
        rows_(std::move(rows)) {
    Hold(owner);
  }

 protected:
  void Run() override { left_ = writer_->AppendTexts(batch_, rows_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Uint8Array out = Napi::Uint8Array::New(env, left_.size());
    if (!left_.empty()) std::memcpy(out.Data(), left_.data(), left_.size());
    return out;
  }

 private:
  std::shared_ptr<CorpusCacheWriter> writer_;
  student::TextBatch batch_;
  student::CacheRows rows_;
  std::vector<uint8_t> left_;
};

class FinishWorker : public PromiseWorker {
 public:
  FinishWorker(Napi::Env env, Napi::Object owner, std::shared_ptr<CorpusCacheWriter> writer)
      : PromiseWorker(env, "StudentCorpusCacheWriter.finish"), writer_(std::move(writer)) {
    Hold(owner);
  }

 protected:
  void Run() override { writer_->Finish(); }
  Napi::Value Result(Napi::Env env) override {
    const auto& words = writer_->words();
    Napi::Array list = Napi::Array::New(env, words.size());
    for (size_t i = 0; i < words.size(); ++i) {
      list.Set(static_cast<uint32_t>(i), Napi::String::New(env, words[i]));
    }
    Napi::Float64Array counts = Napi::Float64Array::New(env, words.size());
    if (!words.empty()) std::memcpy(counts.Data(), writer_->counts().data(), words.size() * sizeof(double));
    Napi::Object out = Napi::Object::New(env);
    out.Set("words", list);
    out.Set("counts", counts);
    out.Set("rows", static_cast<double>(writer_->rows()));
    return out;
  }

 private:
  std::shared_ptr<CorpusCacheWriter> writer_;
};

class WriterWrap : public Napi::ObjectWrap<WriterWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StudentCorpusCacheWriter",
                       {
                           InstanceMethod<&WriterWrap::AppendTexts>("appendTexts"),
                           InstanceMethod<&WriterWrap::AppendWords>("appendWords"),
                           InstanceMethod<&WriterWrap::Finish>("finish"),
                       });
  }

  // new StudentCorpusCacheWriter({ path, towers, encoder (a StudentTextEncoder, or null: words only), threads,
  // blockRows })
  explicit WriterWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WriterWrap>(info) {
    const Caller c = WriterCaller(info.Env());
    if (!info.IsConstructCall() || !info[0].IsObject()) c.Fail("use new StudentCorpusCacheWriter(options)");
    Napi::Object o = info[0].As<Napi::Object>();
    const std::string path = StringField(c, o, "path");
    const bool towers = BooleanField(c, o, "towers", false);
    if (!Absent(o.Get("encoder"))) encoder_ = UnwrapTextEncoder(c, o.Get("encoder")).encoder;
    const int threads = ReadThreads(c, o.Get("threads"), 1);
    const uint32_t block_rows = IntegerField<uint32_t>(c, o, "blockRows", 1024);
    if (block_rows < 1) c.Fail("blockRows must be >= 1");
    try {
      writer_ = std::make_shared<CorpusCacheWriter>(path, towers, encoder_, threads, block_rows);
    } catch (const std::runtime_error& e) {
      c.Fail(e.what());
    }
  }

 private:
  void RefuseAfterFinish(const Caller& c) {
    if (finished_) c.Fail("the cache is finished");
  }

  // appendTexts(textsA, textsB | undefined, kind, labels, logits | null, numLabels) -> Promise<Uint8Array>: 1 for
  // each row left to the reference path (not written; its words come through appendWords).
  Napi::Value AppendTexts(const Napi::CallbackInfo& info) {
    const Caller c = WriterCaller(info.Env());
    RefuseAfterFinish(c);
    if (!encoder_) c.Fail("appendTexts needs an encoder (this writer takes words only)");
    student::TextBatch batch = ReadTextBatch(c, info[0], info[1]);
    student::CacheRows rows = ReadCacheRows(c, info, 2, batch.rows.size());
    return (new AppendTextsWorker(c.env, Value(), writer_, std::move(batch), std::move(rows)))->Start();
  }

  // appendWords(wordsA, lengthsA, wordsB | undefined, lengthsB | undefined, kind, labels, logits | null, numLabels):
  // rows of words (lengths: words per row), written now.
  Napi::Value AppendWords(const Napi::CallbackInfo& info) {
    const Caller c = WriterCaller(info.Env());
    RefuseAfterFinish(c);
    student::WordRows words;
    auto read = [&](const Napi::Value& list, const Napi::Value& lengths, std::vector<std::u16string>* out,
                    std::vector<uint32_t>* counts, const char* name) {
      if (!list.IsArray()) c.Fail(std::string(name) + " must be an array of strings");
      Napi::Array a = list.As<Napi::Array>();
      std::u16string buffer;
      for (uint32_t i = 0; i < a.Length(); ++i) {
        const size_t n = ReadUtf16(c, a.Get(i), name, &buffer);
        out->emplace_back(buffer.data(), n);
      }
      Napi::Int32Array l = ReadTypedArray<int32_t>(c, lengths, "lengths");
      uint64_t sum = 0;
      for (size_t i = 0; i < l.ElementLength(); ++i) {
        if (l[i] < 0) c.Fail("lengths must be >= 0");
        counts->push_back(static_cast<uint32_t>(l[i]));
        sum += static_cast<uint32_t>(l[i]);
      }
      if (sum != out->size()) c.Fail(std::string("the lengths must add up to ") + name + ".length");
    };
    read(info[0], info[1], &words.words_a, &words.lengths_a, "wordsA");
    if (!Absent(info[2])) {
      read(info[2], info[3], &words.words_b, &words.lengths_b, "wordsB");
      if (words.lengths_b.size() != words.lengths_a.size()) c.Fail("wordsB must have as many rows as wordsA");
    }
    student::CacheRows rows = ReadCacheRows(c, info, 4, words.lengths_a.size());
    try {
      writer_->AppendWords(words, rows);
    } catch (const std::runtime_error& e) {
      c.Fail(e.what());
    }
    return info.Env().Undefined();
  }

  // finish() -> Promise<{ words, counts, rows }>: the words by provisional id and how often each was seen.
  Napi::Value Finish(const Napi::CallbackInfo& info) {
    const Caller c = WriterCaller(info.Env());
    RefuseAfterFinish(c);
    finished_ = true;
    return (new FinishWorker(c.env, Value(), writer_))->Start();
  }

  std::shared_ptr<const student::TextEncoder> encoder_;
  std::shared_ptr<CorpusCacheWriter> writer_;
  bool finished_ = false;
};

class CacheWrap : public Napi::ObjectWrap<CacheWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StudentCorpusCache",
                       {
                           InstanceAccessor<&CacheWrap::Towers>("towers"),
                           InstanceAccessor<&CacheWrap::Rows>("rows"),
                           InstanceAccessor<&CacheWrap::Blocks>("blocks"),
                           InstanceMethod<&CacheWrap::EpochSteps>("epochSteps"),
                           InstanceMethod<&CacheWrap::ReadBlock>("readBlock"),
                       });
  }

  // new StudentCorpusCache(path)
  explicit CacheWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CacheWrap>(info) {
    const Caller c = CacheCaller(info.Env());
    if (!info.IsConstructCall()) c.Fail("use new StudentCorpusCache(path)");
    const std::string path = ReadString(c, info[0], "path");
    try {
      reader_ = std::make_shared<const CorpusCacheReader>(path);
    } catch (const std::runtime_error& e) {
      c.Fail(e.what());
    }
    info.This().As<Napi::Object>().TypeTag(&kCorpusCacheTag);
  }

  std::shared_ptr<const CorpusCacheReader> reader() const { return reader_; }

 private:
  Napi::Value Towers(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), reader_->towers()); }
  // [labeled rows, teacher-labeled rows]
  Napi::Value Rows(const Napi::CallbackInfo& info) {
    double rows[2] = {0, 0};
    for (const auto& b : reader_->blocks()) rows[b.kind == 0 ? 0 : 1] += b.rows;
    Napi::Array out = Napi::Array::New(info.Env(), 2);
    out.Set(0u, rows[0]);
    out.Set(1u, rows[1]);
    return out;
  }
  Napi::Value Blocks(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(reader_->blocks().size()));
  }
  // epochSteps(batchSize, seed, windowBlocks): the steps trainCacheEpoch takes with these options.
  Napi::Value EpochSteps(const Napi::CallbackInfo& info) {
    const Caller c = CacheCaller(info.Env());
    const int32_t batch_size = static_cast<int32_t>(ReadInteger(c, info[0], "batchSize", 1, 1 << 24));
    const uint32_t seed = static_cast<uint32_t>(ReadInteger(c, info[1], "seed", 0, 4294967295LL));
    const int32_t window = static_cast<int32_t>(ReadInteger(c, info[2], "windowBlocks", 1, 1 << 20));
    return Napi::Number::New(info.Env(),
                             static_cast<double>(student::CacheEpochSteps(*reader_, batch_size, seed, window)));
  }

  // readBlock(index) -> { kind, labels, lengthsA, idsA, lengthsB, idsB, logits, numLabels }: one block as
  // stored (provisional ids), for tests.
  Napi::Value ReadBlock(const Napi::CallbackInfo& info) {
    const Caller c = CacheCaller(info.Env());
    const size_t index = static_cast<size_t>(
        ReadInteger(c, info[0], "index", 0, std::max<int64_t>(0, static_cast<int64_t>(reader_->blocks().size()) - 1)));
    student::CacheBlock block;
    try {
      reader_->Read(index, &block);
    } catch (const std::runtime_error& e) {
      c.Fail(e.what());
    }
    Napi::Env env = info.Env();
    auto ints = [&](const std::vector<int32_t>& v) {
      Napi::Int32Array a = Napi::Int32Array::New(env, v.size());
      if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(int32_t));
      return a;
    };
    Napi::Float32Array logits = Napi::Float32Array::New(env, block.logits.size());
    if (!block.logits.empty()) std::memcpy(logits.Data(), block.logits.data(), block.logits.size() * sizeof(float));
    Napi::Object out = Napi::Object::New(env);
    out.Set("kind", block.kind);
    out.Set("labels", ints(block.labels));
    out.Set("lengthsA", ints(block.lengths_a));
    out.Set("idsA", ints(block.ids_a));
    out.Set("lengthsB", ints(block.lengths_b));
    out.Set("idsB", ints(block.ids_b));
    out.Set("logits", logits);
    out.Set("numLabels", block.num_labels);
    return out;
  }

  std::shared_ptr<const CorpusCacheReader> reader_;
};

}  // namespace

std::shared_ptr<const CorpusCacheReader> UnwrapCorpusCache(const Caller& c, const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kCorpusCacheTag)) {
    c.Fail("cache must be a StudentCorpusCache");
  }
  return CacheWrap::Unwrap(v.As<Napi::Object>())->reader();
}

void RegisterCorpusCacheBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("StudentCorpusCacheWriter", WriterWrap::Define(env));
  exports.Set("StudentCorpusCache", CacheWrap::Define(env));
}

}  // namespace ernie_slim
