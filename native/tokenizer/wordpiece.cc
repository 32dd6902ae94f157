#include "tokenizer/wordpiece.h"

#include <string>

#include "tokenizer/utf8.h"

namespace ernie_slim {

namespace {

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Moves end back to the start of the code point it falls inside (or stays at a boundary).
size_t AlignToCodePoint(std::string_view s, size_t end) {
  while (end > 0 && end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) end--;
  return end;
}

}  // namespace

WordPiece::WordPiece(const Vocab& vocab) : vocab_(vocab), single_char_ids_(0x10000, vocab.special().unk) {
  std::string bytes;
  for (uint32_t cp = 0; cp < 0x10000; cp++) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    bytes.clear();
    AppendUtf8(bytes, cp);
    int32_t id = vocab.word_starts().Find(bytes);
    if (id != TokenIdMap::kMissing) single_char_ids_[cp] = id;
  }
}

void WordPiece::Tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  const int32_t unk = vocab_.special().unk;
  const auto* s = reinterpret_cast<const unsigned char*>(word.data());
  if (word.size() <= 3 && Utf8SequenceLength(s[0]) == word.size()) {
    size_t i = 0;
    ids.push_back(single_char_ids_[DecodeUtf8(s, i)]);
    return;
  }
  if (word.size() > kMaxInputCharsPerWord && CountCodePoints(word) > kMaxInputCharsPerWord) {
    ids.push_back(unk);
    return;
  }
  const size_t first = ids.size();
  size_t start = 0;
  while (start < word.size()) {
    const TokenIdMap& pieces = start == 0 ? vocab_.word_starts() : vocab_.continuations();
    // No piece is longer than the longest key, so the search starts there.
    size_t end =
        start + pieces.max_length() < word.size() ? AlignToCodePoint(word, start + pieces.max_length()) : word.size();
    int32_t id = TokenIdMap::kMissing;
    while (end > start) {
      id = pieces.Find(word.substr(start, end - start));
      if (id != TokenIdMap::kMissing) break;
      do end--;
      while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (id == TokenIdMap::kMissing) {
      ids.resize(first);
      ids.push_back(unk);
      return;
    }
    ids.push_back(id);
    start = end;
  }
}

}  // namespace ernie_slim
