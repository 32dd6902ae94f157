// The student's native text encoder as JavaScript sees it (src/student/native-text-encoder.ts): built once per
// student from its vocabulary and segmentation settings; encode() synchronously, encodeMany() on threads.
#include <cstring>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_text.h"
#include "segmenter/code_points.h"
#include "student/text_encoder.h"

namespace ernie_slim {

namespace {

using student::TextEncoder;

const napi_type_tag kTextEncoderTag = {0x73747564656e7465ULL, 0x78746e636f646572ULL};

[[noreturn]] void Throw(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, "StudentTextEncoder: " + message);
}

// The code points of a JavaScript string; false for a lone surrogate.
bool CodePointsOf(const Napi::Value& v, std::u16string* buffer, std::vector<char32_t>* out) {
  const size_t n = ReadUtf16(v, "a vocabulary word", buffer);
  return segmenter::DecodeUtf16(buffer->data(), n, out);
}

student::WordVocabulary ReadVocabulary(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) Throw(env, "vocabulary must be an array of strings");
  Napi::Array words = v.As<Napi::Array>();
  student::WordVocabulary vocabulary;
  std::u16string buffer;
  std::vector<char32_t> word;
  for (uint32_t i = 0; i < words.Length(); ++i) {
    // A word with a lone surrogate is reachable only through text that the reference path handles.
    if (CodePointsOf(words.Get(i), &buffer, &word)) vocabulary.Add(word.data(), word.size(), static_cast<int32_t>(i));
  }
  return vocabulary;
}

std::shared_ptr<const student::LowercaseMap> ReadLowercaseTable(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) Throw(env, "lowercaseTable must be { codePoints, lowercase }");
  Napi::Object table = v.As<Napi::Object>();
  Napi::Value code_points = table.Get("codePoints");
  Napi::Value lowercase = table.Get("lowercase");
  if (!code_points.IsTypedArray() || code_points.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      !lowercase.IsArray() ||
      code_points.As<Napi::Int32Array>().ElementLength() != lowercase.As<Napi::Array>().Length()) {
    Throw(env, "lowercaseTable must be { codePoints: Int32Array, lowercase: string[] } of one length");
  }
  Napi::Int32Array from = code_points.As<Napi::Int32Array>();
  Napi::Array to = lowercase.As<Napi::Array>();
  std::vector<char32_t> keys(from.ElementLength());
  std::vector<std::u32string> values(from.ElementLength());
  std::u16string buffer;
  std::vector<char32_t> chars;
  for (uint32_t i = 0; i < keys.size(); ++i) {
    keys[i] = static_cast<char32_t>(from[i]);
    if (!CodePointsOf(to.Get(i), &buffer, &chars)) Throw(env, "lowercaseTable holds a lone surrogate");
    values[i].assign(chars.begin(), chars.end());
  }
  return std::make_shared<const student::LowercaseMap>(keys, values);
}

Napi::Object RowsObject(Napi::Env env, const student::EncodedRows& rows) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Int32Array ids = Napi::Int32Array::New(env, rows.ids.size());
  if (!rows.ids.empty()) std::memcpy(ids.Data(), rows.ids.data(), rows.ids.size() * sizeof(int32_t));
  Napi::Int32Array offsets = Napi::Int32Array::New(env, rows.offsets.size());
  std::memcpy(offsets.Data(), rows.offsets.data(), rows.offsets.size() * sizeof(int32_t));
  Napi::Uint8Array needs = Napi::Uint8Array::New(env, rows.needs_reference.size());
  if (!rows.needs_reference.empty()) {
    std::memcpy(needs.Data(), rows.needs_reference.data(), rows.needs_reference.size());
  }
  out.Set("ids", ids);
  out.Set("offsets", offsets);
  out.Set("needsReference", needs);
  return out;
}

class EncodeManyWorker : public Napi::AsyncWorker {
 public:
  EncodeManyWorker(Napi::Env env, std::shared_ptr<const TextEncoder> encoder, student::TextBatch batch, int threads)
      : Napi::AsyncWorker(env, "ernie-slim:encodeMany"),
        deferred_(Napi::Promise::Deferred::New(env)),
        encoder_(std::move(encoder)),
        batch_(std::move(batch)),
        threads_(threads) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override {
    try {
      rows_ = student::EncodeRows(*encoder_, batch_, threads_);
    } catch (const std::exception& e) {
      SetError(std::string("StudentTextEncoder.encodeMany: ") + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(RowsObject(Env(), rows_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const TextEncoder> encoder_;
  student::TextBatch batch_;
  int threads_;
  student::EncodedRows rows_;
};

class TextEncoderWrap : public Napi::ObjectWrap<TextEncoderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StudentTextEncoder",
                       {
                           InstanceMethod<&TextEncoderWrap::Encode>("encode"),
                           InstanceMethod<&TextEncoderWrap::EncodeMany>("encodeMany"),
                       });
  }

  // new StudentTextEncoder({ splitter, dictionary, lowercase, maxWords, vocabulary, lowercaseTable })
  explicit TextEncoderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TextEncoderWrap>(info) {
    Napi::Env env = info.Env();
    if (!info.IsConstructCall() || !info[0].IsObject()) Throw(env, "use new StudentTextEncoder(options)");
    Napi::Object o = info[0].As<Napi::Object>();
    student::TextEncoderSettings settings;
    Napi::Value splitter = o.Get("splitter");
    const std::string name = splitter.IsString() ? splitter.As<Napi::String>().Utf8Value() : "";
    if (name == "jieba") {
      settings.splitter = student::WordSplitter::kJieba;
    } else if (name == "whitespace") {
      settings.splitter = student::WordSplitter::kWhitespace;
    } else {
      Throw(env, "splitter must be 'jieba' or 'whitespace'");
    }
    settings.lowercase = o.Get("lowercase").ToBoolean().Value();
    Napi::Value max_words = o.Get("maxWords");
    if (!max_words.IsUndefined()) {
      const double m = max_words.IsNumber() ? max_words.As<Napi::Number>().DoubleValue() : -1;
      if (!(m >= 0 && m <= 0x7fffffff && m == static_cast<double>(static_cast<int64_t>(m)))) {
        Throw(env, "maxWords must be an integer >= 0");
      }
      settings.max_words = static_cast<int32_t>(m);
    }
    std::shared_ptr<const segmenter::DagSegmenter> segmenter;
    if (settings.splitter == student::WordSplitter::kJieba) segmenter = UnwrapJiebaDictionary(o.Get("dictionary"));
    auto lowercase = ReadLowercaseTable(env, o.Get("lowercaseTable"));
    encoder_ = std::make_shared<const TextEncoder>(settings, std::move(segmenter), std::move(lowercase),
                                                   ReadVocabulary(env, o.Get("vocabulary")));
    info.This().As<Napi::Object>().TypeTag(&kTextEncoderTag);
  }

  TextEncoderRef Ref() { return {encoder_, &scratch_}; }

 private:
  // encode(textA, textB?): the word ids, or null when the text is left to the reference path.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const size_t na = ReadUtf16(info[0], "text", &scratch_.text);
    const std::u16string_view a(scratch_.text.data(), na);
    std::u16string_view b;
    const bool has_b = info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull();
    if (has_b) b = std::u16string_view(scratch_.text_b.data(), ReadUtf16(info[1], "textB", &scratch_.text_b));
    if (!encoder_->Encode(a, has_b ? &b : nullptr, &scratch_, &scratch_.ids)) return env.Null();
    Napi::Int32Array ids = Napi::Int32Array::New(env, scratch_.ids.size());
    std::memcpy(ids.Data(), scratch_.ids.data(), scratch_.ids.size() * sizeof(int32_t));
    return ids;
  }

  // encodeMany(texts, textsB | undefined, threads) -> Promise<{ ids, offsets, needsReference }>
  Napi::Value EncodeMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    student::TextBatch batch = ReadTextBatch(info[0], info[1]);
    const double t = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 1;
    if (!(t >= 1 && t <= 1024)) Throw(env, "threads must be in 1..1024");
    auto* worker = new EncodeManyWorker(env, encoder_, std::move(batch), static_cast<int>(t));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  std::shared_ptr<const TextEncoder> encoder_;
  student::TextEncoderScratch scratch_;  // the synchronous calls' buffers
};

}  // namespace

student::TextBatch ReadTextBatch(const Napi::Value& texts_a, const Napi::Value& texts_b) {
  Napi::Env env = texts_a.Env();
  if (!texts_a.IsArray()) throw Napi::TypeError::New(env, "texts must be an array of strings");
  const bool pairs = !texts_b.IsUndefined() && !texts_b.IsNull();
  if (pairs && !texts_b.IsArray()) throw Napi::TypeError::New(env, "textsB must be an array or undefined");
  Napi::Array a = texts_a.As<Napi::Array>();
  const uint32_t rows = a.Length();
  Napi::Array b = pairs ? texts_b.As<Napi::Array>() : Napi::Array();
  if (pairs && b.Length() != rows) throw Napi::TypeError::New(env, "textsB must have one entry per text");
  student::TextBatch batch;
  batch.rows.resize(rows);
  auto append = [&](const Napi::Value& v, const char* name, size_t* begin, size_t* length) {
    if (!v.IsString()) throw Napi::TypeError::New(env, std::string(name) + " must be strings");
    size_t n = 0;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf16(env, v, nullptr, 0, &n));
    *begin = batch.units.size();
    batch.units.resize(*begin + n + 1);
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf16(env, v, batch.units.data() + *begin, n + 1, &n));
    batch.units.resize(*begin + n);
    *length = n;
  };
  for (uint32_t r = 0; r < rows; ++r) {
    student::TextBatch::Row& row = batch.rows[r];
    append(a.Get(r), "texts", &row.a_begin, &row.a_length);
    if (!pairs) continue;
    Napi::Value second = b.Get(r);
    if (second.IsUndefined() || second.IsNull()) continue;
    append(second, "textsB", &row.b_begin, &row.b_length);
    row.has_b = true;
  }
  return batch;
}

TextEncoderRef UnwrapTextEncoder(const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kTextEncoderTag)) {
    throw Napi::TypeError::New(v.Env(), "encoder must be a StudentTextEncoder");
  }
  return TextEncoderWrap::Unwrap(v.As<Napi::Object>())->Ref();
}

void RegisterTextEncoderBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("StudentTextEncoder", TextEncoderWrap::Define(env));
}

}  // namespace ernie_slim
