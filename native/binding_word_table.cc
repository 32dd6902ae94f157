// A student's vocabulary as JavaScript sees it (src/student/native-vocabulary.ts): built from a word list or
// straight from a model file's bytes, so that a loaded student holds its words once, natively; the text encoder
// shares it.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_text.h"
#include "binding_util.h"
#include "segmenter/code_points.h"
#include "student/word_table.h"

namespace ernie_slim {

namespace {

using student::WordTable;

const napi_type_tag kWordTableTag = {0x73747564656e7477ULL, 0x6f72647461626c65ULL};

Caller Table(Napi::Env env) { return {env, "StudentWordTable"}; }

// UTF-16 as UTF-8, a lone surrogate as its own 3 bytes (not well-formed UTF-8: such a word is never found, as no
// text the encoder reads can hold it).
void AppendUtf8(const char16_t* units, size_t n, std::string* out) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t c = units[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && units[i + 1] >= 0xDC00 && units[i + 1] < 0xE000) {
      c = 0x10000 + ((c - 0xD800) << 10) + (units[++i] - 0xDC00);
    }
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (c >> 12)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (c >> 18)));
      out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

std::shared_ptr<const WordTable> TableOfWords(const Caller& c, const Napi::Array& words) {
  std::string blob;
  std::vector<uint32_t> offsets{0};
  std::u16string buffer;
  for (uint32_t i = 0; i < words.Length(); ++i) {
    const size_t n = ReadUtf16(c, words.Get(i), "vocabulary words", &buffer);
    AppendUtf8(buffer.data(), n, &blob);
    offsets.push_back(static_cast<uint32_t>(blob.size()));
  }
  return std::make_shared<const WordTable>(std::move(blob), std::move(offsets));
}

// `count` words of a model file from byte `offset`: each a u32 (little-endian) byte count, then its UTF-8 bytes.
std::shared_ptr<const WordTable> TableOfModelBytes(const Caller& c, const Napi::Uint8Array& bytes, size_t offset,
                                                   size_t count, size_t* end) {
  const uint8_t* data = bytes.Data();
  const size_t size = bytes.ElementLength();
  std::vector<uint32_t> offsets;
  offsets.reserve(count + 1);
  offsets.push_back(0);
  // First the lengths (and the bounds), so that the blob is allocated once.
  size_t at = offset, total = 0;
  for (size_t i = 0; i < count; ++i) {
    if (at + 4 > size) c.FailRange("the word list runs past the bytes");
    const uint32_t n = static_cast<uint32_t>(data[at]) | static_cast<uint32_t>(data[at + 1]) << 8 |
                       static_cast<uint32_t>(data[at + 2]) << 16 | static_cast<uint32_t>(data[at + 3]) << 24;
    if (at + 4 + n > size || total + n > UINT32_MAX) c.FailRange("the word list runs past the bytes");
    total += n;
    at += 4 + n;
    offsets.push_back(static_cast<uint32_t>(total));
  }
  std::string blob(total, '\0');
  at = offset;
  for (size_t i = 0; i < count; ++i) {
    const uint32_t n = offsets[i + 1] - offsets[i];
    std::memcpy(blob.data() + offsets[i], data + at + 4, n);
    at += 4 + n;
  }
  *end = at;
  return std::make_shared<const WordTable>(std::move(blob), std::move(offsets));
}

class WordTableWrap : public Napi::ObjectWrap<WordTableWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StudentWordTable",
                       {
                           InstanceAccessor<&WordTableWrap::Size>("size"),
                           InstanceAccessor<&WordTableWrap::End>("end"),
                           InstanceAccessor<&WordTableWrap::Bytes>("bytes"),
                           InstanceMethod<&WordTableWrap::Word>("word"),
                           InstanceMethod<&WordTableWrap::Words>("words"),
                           InstanceMethod<&WordTableWrap::IdOf>("idOf"),
                           InstanceMethod<&WordTableWrap::Encode>("encode"),
                           InstanceMethod<&WordTableWrap::UseScratch>("useScratch"),
                           InstanceMethod<&WordTableWrap::EncodeJoined>("encodeJoined"),
                       });
  }

  // new StudentWordTable(words: string[]) or new StudentWordTable(bytes: Uint8Array, offset, count)
  explicit WordTableWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WordTableWrap>(info) {
    const Caller c = Table(info.Env());
    if (!info.IsConstructCall())
      c.Fail("use new StudentWordTable(words) or new StudentWordTable(bytes, offset, count)");
    if (info[0].IsArray()) {
      table_ = TableOfWords(c, info[0].As<Napi::Array>());
    } else {
      if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        c.Fail("the first argument must be an array of words or a Uint8Array");
      }
      const auto offset = ReadInteger<uint32_t>(c, info[1], "offset");
      const auto count = ReadInteger<uint32_t>(c, info[2], "count");
      table_ = TableOfModelBytes(c, info[0].As<Napi::Uint8Array>(), offset, count, &end_);
    }
    info.This().As<Napi::Object>().TypeTag(&kWordTableTag);
  }

  std::shared_ptr<const WordTable> table() const { return table_; }

 private:
  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(table_->size()));
  }
  // Where the word list ended in the bytes it was read from (0 for a table of words).
  Napi::Value End(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(end_)); }
  Napi::Value Bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(table_->bytes()));
  }

  Napi::Value Word(const Napi::CallbackInfo& info) {
    const Caller c = Table(info.Env());
    const auto id = ReadInteger<uint32_t>(c, info[0], "id");
    if (id >= table_->size()) c.FailRange("id is past the vocabulary");
    const std::string_view w = table_->word(id);
    return Napi::String::New(c.env, w.data(), w.size());
  }

  // Every word, in id order (made on request: the table keeps no JavaScript strings).
  Napi::Value Words(const Napi::CallbackInfo& info) {
    Napi::Array out = Napi::Array::New(info.Env(), table_->size());
    for (size_t i = 0; i < table_->size(); ++i) {
      const std::string_view w = table_->word(i);
      out.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), w.data(), w.size()));
    }
    return out;
  }

  int32_t Find(const Caller& c, const Napi::Value& v, int32_t missing) {
    const size_t n = ReadUtf16(c, v, "words", &units_);
    if (!segmenter::DecodeUtf16(units_.data(), n, &chars_)) return missing;
    return table_->Find(chars_.data(), chars_.size(), missing);
  }

  // idOf(word): its id, or [UNK]'s (1).
  Napi::Value IdOf(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), Find(Table(info.Env()), info[0], kUnkId));
  }

  // encode(words, into?): the ids of a row's words (one [UNK] for a row without words), into `into` where it is
  // long enough.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    const Caller c = Table(info.Env());
    if (!info[0].IsArray()) c.Fail("words must be an array of strings");
    Napi::Array words = info[0].As<Napi::Array>();
    const uint32_t count = words.Length();
    const size_t n = count == 0 ? 1 : count;
    Napi::Int32Array ids = Output(c, info[1], n);
    if (count == 0) ids[0] = kUnkId;
    for (uint32_t i = 0; i < count; ++i) ids[i] = Find(c, words.Get(i), kUnkId);
    return ids;
  }

  // useScratch(lengths, ids): the Int32Arrays that encodeJoined reads word lengths from and writes ids to (held
  // here, so that a call reads no array: the call's own cost is most of a short row's).
  Napi::Value UseScratch(const Napi::CallbackInfo& info) {
    const Caller c = Table(info.Env());
    Napi::Int32Array lengths = ReadTypedArray<int32_t>(c, info[0], "lengths");
    Napi::Int32Array ids = ReadTypedArray<int32_t>(c, info[1], "ids");
    if (ids.ElementLength() < std::max<size_t>(lengths.ElementLength(), 1)) c.FailRange("ids is shorter than lengths");
    scratch_lengths_ref_ = Napi::Persistent(lengths);
    scratch_ids_ref_ = Napi::Persistent(ids);
    scratch_lengths_ = lengths.Data();
    scratch_ids_ = ids.Data();
    scratch_size_ = lengths.ElementLength();
    return info.Env().Undefined();
  }

  // encodeJoined(joined, count): encode() of `count` words given as one string, word i being the next
  // scratch lengths[i] UTF-16 units, into the scratch ids[0 .. max(count, 1)).
  Napi::Value EncodeJoined(const Napi::CallbackInfo& info) {
    const Caller c = Table(info.Env());
    const size_t units = ReadUtf16(c, info[0], "joined", &units_);
    uint32_t count = 0;
    if (napi_get_value_uint32(c.env, info[1], &count) != napi_ok) c.Fail("count must be a number");
    if (count > scratch_size_) c.FailRange("count is past the scratch lengths (see useScratch)");
    if (count == 0) scratch_ids_[0] = kUnkId;
    size_t at = 0;
    for (uint32_t i = 0; i < count; ++i) {
      const size_t n = static_cast<size_t>(scratch_lengths_[i]);
      if (scratch_lengths_[i] < 0 || at + n > units) c.FailRange("lengths run past the joined words");
      const bool whole = segmenter::DecodeUtf16(units_.data() + at, n, &chars_);
      scratch_ids_[i] = whole ? table_->Find(chars_.data(), chars_.size(), kUnkId) : kUnkId;
      at += n;
    }
    if (at != units) c.FailRange("lengths do not cover the joined words");
    return info.Env().Undefined();
  }

  // The n ids' array: `into` where it is an Int32Array of at least n, else a new one.
  static Napi::Int32Array Output(const Caller& c, const Napi::Value& into_value, size_t n) {
    if (Absent(into_value)) return Napi::Int32Array::New(c.env, n);
    Napi::Int32Array into = ReadTypedArray<int32_t>(c, into_value, "into");
    if (into.ElementLength() < n) return Napi::Int32Array::New(c.env, n);
    return Napi::Int32Array::New(c.env, n, into.ArrayBuffer(), into.ByteOffset());
  }

  static constexpr int32_t kUnkId = 1;
  std::shared_ptr<const WordTable> table_;
  size_t end_ = 0;
  std::u16string units_;
  std::vector<char32_t> chars_;
  Napi::Reference<Napi::Int32Array> scratch_lengths_ref_, scratch_ids_ref_;
  const int32_t* scratch_lengths_ = nullptr;
  int32_t* scratch_ids_ = nullptr;
  size_t scratch_size_ = 0;
};

}  // namespace

std::shared_ptr<const student::WordTable> UnwrapWordTable(const Caller& c, const Napi::Value& v) {
  if (v.IsArray()) return TableOfWords(c, v.As<Napi::Array>());
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kWordTableTag)) {
    c.Fail("vocabulary must be an array of strings or a StudentWordTable");
  }
  return WordTableWrap::Unwrap(v.As<Napi::Object>())->table();
}

void RegisterWordTableBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("StudentWordTable", WordTableWrap::Define(env));
}

}  // namespace ernie_slim
