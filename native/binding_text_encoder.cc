// The student's native text encoder as JavaScript sees it (src/student/native-text-encoder.ts): built once per
// student from its vocabulary and segmentation settings; encode() synchronously, encodeMany() on threads.
#include <cstring>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_text.h"
#include "binding_util.h"
#include "segmenter/code_points.h"
#include "student/text_encoder.h"

namespace ernie_slim {

namespace {

using student::TextEncoder;

const napi_type_tag kTextEncoderTag = {0x73747564656e7465ULL, 0x78746e636f646572ULL};

// Every argument error of the class names it.
Caller Encoder(Napi::Env env) { return {env, "StudentTextEncoder"}; }

// The code points of a JavaScript string; false for a lone surrogate.
bool CodePointsOf(const Caller& c, const Napi::Value& v, const char* name, std::u16string* buffer,
                  std::vector<char32_t>* out) {
  const size_t n = ReadUtf16(c, v, name, buffer);
  return segmenter::DecodeUtf16(buffer->data(), n, out);
}

std::shared_ptr<const student::LowercaseMap> ReadLowercaseTable(const Caller& c, const Napi::Value& v) {
  if (!v.IsObject()) c.Fail("lowercaseTable must be { codePoints, lowercase }");
  Napi::Object table = v.As<Napi::Object>();
  Napi::Value code_points = table.Get("codePoints");
  Napi::Value lowercase = table.Get("lowercase");
  if (!code_points.IsTypedArray() || code_points.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      !lowercase.IsArray() ||
      code_points.As<Napi::Int32Array>().ElementLength() != lowercase.As<Napi::Array>().Length()) {
    c.Fail("lowercaseTable must be { codePoints: Int32Array, lowercase: string[] } of one length");
  }
  Napi::Int32Array from = code_points.As<Napi::Int32Array>();
  Napi::Array to = lowercase.As<Napi::Array>();
  std::vector<char32_t> keys(from.ElementLength());
  std::vector<std::u32string> values(from.ElementLength());
  std::u16string buffer;
  std::vector<char32_t> chars;
  for (uint32_t i = 0; i < keys.size(); ++i) {
    keys[i] = static_cast<char32_t>(from[i]);
    if (!CodePointsOf(c, to.Get(i), "lowercaseTable.lowercase", &buffer, &chars)) {
      c.Fail("lowercaseTable holds a lone surrogate");
    }
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

class EncodeManyWorker : public PromiseWorker {
 public:
  EncodeManyWorker(Napi::Env env, std::shared_ptr<const TextEncoder> encoder, student::TextBatch batch, int threads)
      : PromiseWorker(env, "StudentTextEncoder.encodeMany"),
        encoder_(std::move(encoder)),
        batch_(std::move(batch)),
        threads_(threads) {}

 protected:
  void Run() override { rows_ = student::EncodeRows(*encoder_, batch_, threads_); }
  Napi::Value Result(Napi::Env env) override { return RowsObject(env, rows_); }

 private:
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
    const Caller c = Encoder(info.Env());
    if (!info.IsConstructCall() || !info[0].IsObject()) c.Fail("use new StudentTextEncoder(options)");
    Napi::Object o = info[0].As<Napi::Object>();
    student::TextEncoderSettings settings;
    const std::string name = StringField(c, o, "splitter", "");
    if (name == "jieba") {
      settings.splitter = student::WordSplitter::kJieba;
    } else if (name == "whitespace") {
      settings.splitter = student::WordSplitter::kWhitespace;
    } else {
      c.Fail("splitter must be 'jieba' or 'whitespace'");
    }
    settings.lowercase = BooleanField(c, o, "lowercase", false);
    settings.max_words = IntegerField<int32_t>(c, o, "maxWords", settings.max_words);
    c.Check(settings.Validate());
    std::shared_ptr<const segmenter::DagSegmenter> segmenter;
    if (settings.splitter == student::WordSplitter::kJieba) segmenter = UnwrapJiebaDictionary(c, o.Get("dictionary"));
    auto lowercase = ReadLowercaseTable(c, o.Get("lowercaseTable"));
    encoder_ = std::make_shared<const TextEncoder>(settings, std::move(segmenter), std::move(lowercase),
                                                   UnwrapWordTable(c, o.Get("vocabulary")));
    info.This().As<Napi::Object>().TypeTag(&kTextEncoderTag);
  }

  TextEncoderRef Ref() { return {encoder_, &scratch_}; }

 private:
  // encode(textA, textB?): the word ids, or null when the text is left to the reference path.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    const Caller c = Encoder(info.Env());
    const size_t na = ReadUtf16(c, info[0], "text", &scratch_.text);
    const std::u16string_view a(scratch_.text.data(), na);
    std::u16string_view b;
    const bool has_b = !Absent(info[1]);
    if (has_b) b = std::u16string_view(scratch_.text_b.data(), ReadUtf16(c, info[1], "textB", &scratch_.text_b));
    if (!encoder_->Encode(a, has_b ? &b : nullptr, &scratch_, &scratch_.ids)) return c.env.Null();
    Napi::Int32Array ids = Napi::Int32Array::New(c.env, scratch_.ids.size());
    std::memcpy(ids.Data(), scratch_.ids.data(), scratch_.ids.size() * sizeof(int32_t));
    return ids;
  }

  // encodeMany(texts, textsB | undefined, threads) -> Promise<{ ids, offsets, needsReference }>
  Napi::Value EncodeMany(const Napi::CallbackInfo& info) {
    const Caller c = Encoder(info.Env());
    student::TextBatch batch = ReadTextBatch(c, info[0], info[1]);
    const int threads = ReadThreads(c, info[2], 1);
    return (new EncodeManyWorker(c.env, encoder_, std::move(batch), threads))->Start();
  }

  std::shared_ptr<const TextEncoder> encoder_;
  student::TextEncoderScratch scratch_;  // the synchronous calls' buffers
};

}  // namespace

student::TextBatch ReadTextBatch(const Caller& c, const Napi::Value& texts_a, const Napi::Value& texts_b) {
  Napi::Env env = c.env;
  if (!texts_a.IsArray()) c.Fail("texts must be an array of strings");
  const bool pairs = !Absent(texts_b);
  if (pairs && !texts_b.IsArray()) c.Fail("textsB must be an array or undefined");
  Napi::Array a = texts_a.As<Napi::Array>();
  const uint32_t rows = a.Length();
  Napi::Array b = pairs ? texts_b.As<Napi::Array>() : Napi::Array();
  if (pairs && b.Length() != rows) c.Fail("textsB must have one entry per text");
  student::TextBatch batch;
  batch.rows.resize(rows);
  auto append = [&](const Napi::Value& v, const char* name, size_t* begin, size_t* length) {
    if (!v.IsString()) c.Fail(std::string(name) + " must be strings");
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
    if (Absent(second)) continue;
    append(second, "textsB", &row.b_begin, &row.b_length);
    row.has_b = true;
  }
  return batch;
}

TextEncoderRef UnwrapTextEncoder(const Caller& c, const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kTextEncoderTag)) {
    c.Fail("encoder must be a StudentTextEncoder");
  }
  return TextEncoderWrap::Unwrap(v.As<Napi::Object>())->Ref();
}

void RegisterTextEncoderBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("StudentTextEncoder", TextEncoderWrap::Define(env));
}

}  // namespace ernie_slim
