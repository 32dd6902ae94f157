#include "tokenizer/normalizer.h"

#include "tokenizer/unicode_tables.h"
#include "tokenizer/utf8.h"

namespace ernie_slim {

namespace {

// Writes UTF-8 straight into a string that is grown ahead of time (no per-character capacity checks).
class ByteWriter {
 public:
  ByteWriter(std::string& out, size_t expected) : out_(out), start_(out.size()) {
    out_.resize(start_ + expected + kSlack);
    pos_ = out_.data() + start_;
  }
  ~ByteWriter() { out_.resize(pos_ - out_.data()); }

  // Room for at least `bytes` more; call before writing anything but single ASCII bytes.
  void Reserve(size_t bytes) {
    if (static_cast<size_t>(out_.data() + out_.size() - pos_) >= bytes + kSlack) return;
    size_t used = pos_ - out_.data();
    out_.resize(out_.size() * 2 + bytes + kSlack);
    pos_ = out_.data() + used;
  }
  void Put(char c) { *pos_++ = c; }
  void Put(const char* bytes, size_t n) {
    for (size_t i = 0; i < n; i++) pos_[i] = bytes[i];
    pos_ += n;
  }
  void PutCodePoint(uint32_t c) {
    if (c < 0x80) {
      *pos_++ = static_cast<char>(c);
    } else if (c < 0x800) {
      *pos_++ = static_cast<char>(0xC0 | (c >> 6));
      *pos_++ = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *pos_++ = static_cast<char>(0xE0 | (c >> 12));
      *pos_++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *pos_++ = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      *pos_++ = static_cast<char>(0xF0 | (c >> 18));
      *pos_++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *pos_++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *pos_++ = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  // Bytes left before the next Reserve is due, for the ASCII loop.
  size_t Room() const { return out_.data() + out_.size() - pos_ - kSlack; }

 private:
  static constexpr size_t kSlack = 16;
  std::string& out_;
  size_t start_;
  char* pos_;
};

}  // namespace

BertNormalizer::BertNormalizer(bool lowercase) : lowercase_(lowercase) {
  for (uint32_t c = 0; c < 128; c++) {
    uint8_t flags = CodePointFlags(c);
    if (flags & kDrop) ascii_[c] = kRemove;
    else if (flags & kWhitespace) ascii_[c] = kToSpace;
    else if (lowercase && (flags & kFolds)) ascii_[c] = kToLower;
    else ascii_[c] = kKeep;
  }
}

void BertNormalizer::Normalize(std::string_view text, std::string& out) const {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  // CJK text grows by two spaces a 3-byte character.
  ByteWriter writer(out, n + n * 2 / 3);
  size_t i = 0;
  while (i < n) {
    unsigned char b = s[i];
    if (b < 0x80) {
      writer.Reserve(1);
      switch (ascii_[b]) {
        case kKeep: writer.Put(static_cast<char>(b)); break;
        case kToSpace: writer.Put(' '); break;
        case kRemove: break;
        case kToLower: writer.Put(static_cast<char>(b | 0x20)); break;
      }
      i++;
      continue;
    }
    size_t start = i;
    uint32_t cp = DecodeUtf8(s, i);
    uint8_t flags = CodePointFlags(cp);
    if (flags & kDrop) continue;
    if (flags & kWhitespace) {
      writer.Reserve(1);
      writer.Put(' ');
      continue;
    }
    if (lowercase_ && (flags & kFolds)) {
      size_t count;
      const uint32_t* folded = FoldCodePoint(cp, &count);
      writer.Reserve(count * 4 + 2);
      if (flags & kCjk) writer.Put(' ');
      for (size_t k = 0; k < count; k++) writer.PutCodePoint(folded[k]);
      if (flags & kCjk) writer.Put(' ');
      continue;
    }
    writer.Reserve(6);
    if (flags & kCjk) {
      writer.Put(' ');
      writer.Put(text.data() + start, i - start);
      writer.Put(' ');
    } else {
      writer.Put(text.data() + start, i - start);
    }
  }
}

}  // namespace ernie_slim
