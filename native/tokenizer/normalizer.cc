#include "tokenizer/normalizer.h"

#include <algorithm>
#include <vector>

#include "tokenizer/unicode_tables.h"
#include "tokenizer/utf8.h"

namespace ernie_slim {

namespace {

// Writes UTF-8 straight into a string that is grown ahead of time (no per-character capacity checks).
class ByteWriter {
 public:
  ByteWriter(std::string& out, size_t expected) : out_(out) {
    size_t start = out_.size();
    out_.resize(start + expected + kSlack);
    pos_ = out_.data() + start;
  }
  ~ByteWriter() { out_.resize(pos_ - out_.data()); }

  // Makes room for at least `bytes` more; every write must be covered by one.
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
  size_t Offset() const { return pos_ - out_.data(); }
  char* At(size_t offset) { return out_.data() + offset; }

 private:
  static constexpr size_t kSlack = 16;
  std::string& out_;
  char* pos_;
};

// NFD's canonical ordering: a run of combining marks (the UTF-8 in [begin, end)) sorted stably by class.
// Out-of-order runs are rare, so this path may allocate.
void SortCombiningRun(char* begin, char* end) {
  std::vector<std::pair<uint8_t, uint32_t>> marks;
  const auto* s = reinterpret_cast<const unsigned char*>(begin);
  for (size_t i = 0, length = end - begin; i < length;) {
    uint32_t cp = DecodeUtf8(s, i);
    marks.emplace_back(CombiningClass(cp), cp);
  }
  std::stable_sort(marks.begin(), marks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string bytes;
  for (const auto& mark : marks) AppendUtf8(bytes, mark.second);
  std::copy(bytes.begin(), bytes.end(), begin);
}

// Where NFD's canonical ordering applies: runs of combining marks in the output, sorted when out of order.
class CombiningRun {
 public:
  void Add(ByteWriter& writer, uint32_t cp) {
    uint8_t combining_class = CombiningClass(cp);
    if (start_ == kNone) start_ = writer.Offset();
    else if (combining_class < last_) unsorted_ = true;
    last_ = combining_class;
  }
  void End(ByteWriter& writer) {
    if (start_ == kNone) return;
    if (unsorted_) SortCombiningRun(writer.At(start_), writer.At(writer.Offset()));
    start_ = kNone;
    unsorted_ = false;
    last_ = 0;
  }
  bool active() const { return start_ != kNone; }

 private:
  static constexpr size_t kNone = ~size_t{0};
  size_t start_ = kNone;
  uint8_t last_ = 0;
  bool unsorted_ = false;
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
  CombiningRun run;  // only used with strip accents, which is where tokenizers runs NFD
  size_t i = 0;
  while (i < n) {
    unsigned char b = s[i];
    if (b < 0x80) {
      writer.Reserve(1);
      if (run.active() && ascii_[b] != kRemove) run.End(writer);
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
    if (flags & kDrop) continue;  // clean-text runs before NFD: dropped characters do not end a run
    if (flags & kWhitespace) {
      run.End(writer);
      writer.Reserve(1);
      writer.Put(' ');
      continue;
    }
    if (lowercase_ && (flags & kFolds)) {
      size_t count;
      const uint32_t* folded = FoldCodePoint(cp, &count);
      writer.Reserve(count * 4 + 2);
      if (!(flags & kCombining)) run.End(writer);
      if (flags & kCjk) writer.Put(' ');
      for (size_t k = 0; k < count; k++) {
        if (CodePointFlags(folded[k]) & kCombining) run.Add(writer, folded[k]);
        else run.End(writer);
        writer.PutCodePoint(folded[k]);
      }
      if (flags & kCjk) writer.Put(' ');
      continue;
    }
    writer.Reserve(6);
    if (lowercase_ && (flags & kCombining)) run.Add(writer, cp);
    else run.End(writer);
    if (flags & kCjk) {
      writer.Put(' ');
      writer.Put(text.data() + start, i - start);
      writer.Put(' ');
    } else {
      writer.Put(text.data() + start, i - start);
    }
  }
  run.End(writer);
}

}  // namespace ernie_slim
