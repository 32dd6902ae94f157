#include "segmenter/prefix_dictionary.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "segmenter/char_classes.h"
#include "tokenizer/utf8.h"

namespace ernie_slim {
namespace segmenter {

namespace {

// Rust's `usize::from_str`, which jieba-rs parses frequencies with: an optional '+', then decimal digits.
bool ParseFrequency(const char32_t* s, size_t n, uint64_t* out) {
  size_t i = (n > 0 && s[0] == '+') ? 1 : 0;
  if (i == n) return false;
  uint64_t value = 0;
  for (; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t digit = s[i] - '0';
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

std::string Utf8Of(const char32_t* s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) AppendUtf8(out, s[i]);
  return out;
}

}  // namespace

std::shared_ptr<const PrefixDictionary> PrefixDictionary::FromFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw DictionaryError(path + ": cannot read the jieba dictionary (" + std::strerror(errno) + ")");
  std::string text;
  char buffer[1 << 16];
  for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) throw DictionaryError(path + ": cannot read the jieba dictionary (" + std::strerror(error) + ")");
  return FromText(text, path);
}

std::shared_ptr<const PrefixDictionary> PrefixDictionary::FromText(std::string_view text, const std::string& source) {
  std::vector<char32_t> pool;
  pool.reserve(text.size() / 3);
  std::vector<Entry> entries;
  std::vector<char32_t> line_chars;
  const bool valid_utf8 = IsValidUtf8(text);  // one pass; lines are checked one by one only to name the bad one
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!valid_utf8 && !IsValidUtf8(line)) {
      throw DictionaryError(source + ":" + std::to_string(line_no) + ": invalid UTF-8");
    }
    line_chars.clear();
    const auto* bytes = reinterpret_cast<const unsigned char*>(line.data());
    for (size_t i = 0; i < line.size();) line_chars.push_back(DecodeUtf8(bytes, i));
    // The first two whitespace-separated fields: the word and its frequency (the tag is not needed).
    size_t field_begin[2] = {0, 0}, field_end[2] = {0, 0}, fields = 0;
    for (size_t i = 0; i < line_chars.size() && fields < 2;) {
      while (i < line_chars.size() && IsUnicodeWhitespace(line_chars[i])) ++i;
      if (i == line_chars.size()) break;
      field_begin[fields] = i;
      while (i < line_chars.size() && !IsUnicodeWhitespace(line_chars[i])) ++i;
      field_end[fields++] = i;
    }
    if (fields == 0) continue;  // a blank line
    uint64_t freq = 0;
    if (fields == 2 && !ParseFrequency(line_chars.data() + field_begin[1], field_end[1] - field_begin[1], &freq)) {
      throw DictionaryError(source + ":" + std::to_string(line_no) + ": the frequency \"" +
                            Utf8Of(line_chars.data() + field_begin[1], field_end[1] - field_begin[1]) +
                            "\" is not a non-negative integer");
    }
    const size_t length = field_end[0] - field_begin[0];
    entries.push_back({static_cast<uint32_t>(pool.size()), static_cast<uint32_t>(length), freq});
    pool.insert(pool.end(), line_chars.begin() + field_begin[0], line_chars.begin() + field_end[0]);
  }
  if (entries.empty()) throw DictionaryError(source + ": the jieba dictionary has no words");
  std::shared_ptr<PrefixDictionary> dictionary(new PrefixDictionary());
  dictionary->Build(pool, entries);
  return dictionary;
}

void PrefixDictionary::Build(const std::vector<char32_t>& pool, std::vector<Entry>& entries) {
  auto less = [&pool](const Entry& a, const Entry& b) {
    return std::lexicographical_compare(pool.begin() + a.offset, pool.begin() + a.offset + a.length,
                                        pool.begin() + b.offset, pool.begin() + b.offset + b.length);
  };
  // Stable: of a repeated word the last line stays last, and its frequency is the one jieba keeps. jieba's
  // own dict.txt is sorted already.
  if (!std::is_sorted(entries.begin(), entries.end(), less)) std::stable_sort(entries.begin(), entries.end(), less);
  auto common_prefix = [&pool](const Entry& a, const Entry& b) {
    size_t k = 0;
    while (k < a.length && k < b.length && pool[a.offset + k] == pool[b.offset + k]) ++k;
    return k;
  };
  std::vector<Entry> words;
  words.reserve(entries.size());
  size_t nodes = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (i + 1 < entries.size() && common_prefix(e, entries[i + 1]) == e.length && e.length == entries[i + 1].length) {
      continue;  // a later line repeats the word
    }
    nodes += e.length - (words.empty() ? 0 : common_prefix(words.back(), e));
    words.push_back(e);
    total += e.freq;
  }
  word_count_ = words.size();
  log_total_ = std::log(static_cast<double>(total));

  size_t capacity = 16;
  while (capacity < nodes * 2) capacity *= 2;  // at most half full: probes stay in a cache line or two
  slots_.Assign(kDirectRoots + capacity, Slot{kEmpty, 0.0});
  mask_ = capacity - 1;
  shift_ = 64;
  for (size_t c = capacity; c > 1; c >>= 1) --shift_;
  // Sorted words share prefixes with their predecessor: only the rest of each word adds nodes.
  std::vector<Node> path;  // path[d]: the node of the current word's first d + 1 code points
  const Entry* previous = nullptr;
  for (const Entry& word : words) {
    const size_t shared = previous ? common_prefix(*previous, word) : 0;
    path.resize(shared);
    for (size_t d = shared; d < word.length; ++d) {
      path.push_back(Insert(d == 0 ? kRoot : path[d - 1], pool[word.offset + d]));
    }
    Slot& last = slots_[path.back()];
    last.key |= kWordBit;
    last.log_freq = std::log(static_cast<double>(word.freq));
    previous = &word;
  }
}

PrefixDictionary::Node PrefixDictionary::Insert(Node parent, char32_t c) {
  const uint64_t key = KeyOf(parent, c);
  if (parent == kRoot && c < kDirectRoots) {
    slots_[c].key = key;
    return static_cast<Node>(c);
  }
  size_t i = Home(key);
  while (slots_[kDirectRoots + i].key != kEmpty) i = (i + 1) & mask_;
  slots_[kDirectRoots + i].key = key;
  if (parent != kRoot) slots_[parent].key |= kInnerBit;
  return static_cast<Node>(kDirectRoots + i);
}

}  // namespace segmenter
}  // namespace ernie_slim
