#include "student/text_encoder.h"

#include "segmenter/char_classes.h"
#include "segmenter/code_points.h"
#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace student {

namespace {

constexpr char16_t kUnkWord[] = u"[UNK]";
constexpr size_t kUnkWordLength = 5;

// `lowercased()`'s test: a word is lowercased only when it holds one of these UTF-16 code units.
inline bool HasCasedUnit(const char32_t* word, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const char32_t c = word[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c < 0x2E80) || (c >= 0xFF21 && c <= 0xFF3A)) return true;
  }
  return false;
}

inline bool IsBlank(const char32_t* word, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!segmenter::IsJsWhitespace(word[i])) return false;
  }
  return true;
}

// Words looked up in the vocabulary as they come.
struct IdSink {
  const WordTable& vocabulary;
  int32_t unk_word_id;
  std::vector<int32_t>* ids;
  size_t size() const { return ids->size(); }
  void Unk() { ids->push_back(unk_word_id); }
  void Word(const char32_t* word, size_t n) { ids->push_back(vocabulary.Find(word, n, TextEncoder::kUnkId)); }
};

// Words kept as they are (counted before there is a vocabulary).
struct WordSink {
  WordList* words;
  size_t start;  // the words of earlier texts are not this row's
  size_t size() const { return words->size() - start; }
  void Unk() { words->Append(U"[UNK]", kUnkWordLength); }
  void Word(const char32_t* word, size_t n) { words->Append(word, n); }
};

}  // namespace

TextEncoder::TextEncoder(TextEncoderSettings settings, std::shared_ptr<const segmenter::DagSegmenter> segmenter,
                         std::shared_ptr<const LowercaseMap> lowercase, std::shared_ptr<const WordTable> vocabulary)
    : settings_(settings),
      segmenter_(std::move(segmenter)),
      lowercase_(std::move(lowercase)),
      vocabulary_(std::move(vocabulary)) {
  const std::u32string unk = U"[UNK]";
  unk_word_id_ = vocabulary_->Find(unk.data(), unk.size(), kUnkId);
}

bool TextEncoder::Encode(std::u16string_view text_a, const std::u16string_view* text_b, TextEncoderScratch* scratch,
                         std::vector<int32_t>* ids) const {
  ids->clear();
  IdSink sink{*vocabulary_, unk_word_id_, ids};
  if (!AppendText(text_a, scratch, &sink)) return false;
  if (text_b != nullptr && !AppendText(*text_b, scratch, &sink)) return false;
  if (ids->empty()) ids->push_back(kUnkId);
  return true;
}

bool TextEncoder::Cut(std::u16string_view text_a, const std::u16string_view* text_b, TextEncoderScratch* scratch,
                      WordList* words) const {
  const size_t chars = words->chars.size();
  const size_t count = words->size();
  WordSink sink{words, count};
  if (AppendText(text_a, scratch, &sink) && (text_b == nullptr || AppendText(*text_b, scratch, &sink))) return true;
  words->chars.resize(chars);
  words->ends.resize(count);
  return false;
}

template <typename Sink>
bool TextEncoder::AppendText(std::u16string_view text, TextEncoderScratch* scratch, Sink* sink) const {
  const std::u16string_view unk(kUnkWord, kUnkWordLength);
  for (size_t start = 0; !Full(sink->size());) {
    const size_t hit = text.find(unk, start);
    const size_t end = hit == std::u16string_view::npos ? text.size() : hit;
    if (!AppendPiece(text.data() + start, end - start, scratch, sink)) return false;
    if (hit == std::u16string_view::npos || Full(sink->size())) break;
    sink->Unk();
    start = hit + kUnkWordLength;
  }
  return true;
}

template <typename Sink>
bool TextEncoder::AppendPiece(const char16_t* piece, size_t n, TextEncoderScratch* scratch, Sink* sink) const {
  if (n == 0 || Full(sink->size())) return true;
  std::vector<char32_t>& text = scratch->code_points;
  if (!segmenter::DecodeUtf16(piece, n, &text)) return false;
  const char32_t* chars = text.data();
  if (settings_.splitter == WordSplitter::kWhitespace) {
    for (size_t i = 0; i < text.size() && !Full(sink->size());) {
      if (segmenter::IsJsWhitespace(chars[i])) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < text.size() && !segmenter::IsJsWhitespace(chars[j])) ++j;
      if (!AppendWord(chars + i, j - i, scratch, sink)) return false;
      i = j;
    }
    return true;
  }
  std::vector<segmenter::TokenSpan>& tokens = scratch->tokens;
  tokens.clear();
  const size_t room = settings_.max_words > 0 ? static_cast<size_t>(settings_.max_words) - sink->size() : 0;
  segmenter_->Cut(chars, text.size(), &scratch->dag, &tokens, room,
                  [chars](segmenter::TokenSpan t) { return !IsBlank(chars + t.begin, t.end - t.begin); });
  for (const segmenter::TokenSpan& t : tokens) {
    if (IsBlank(chars + t.begin, t.end - t.begin)) continue;
    if (Full(sink->size())) break;
    if (!AppendWord(chars + t.begin, t.end - t.begin, scratch, sink)) return false;
  }
  return true;
}

template <typename Sink>
bool TextEncoder::AppendWord(const char32_t* word, size_t n, TextEncoderScratch* scratch, Sink* sink) const {
  if (!settings_.lowercase || !HasCasedUnit(word, n)) {
    sink->Word(word, n);
    return true;
  }
  std::u32string& lowered = scratch->lowered;
  lowered.clear();
  for (size_t i = 0; i < n; ++i) {
    // toLowerCase of a whole word: a capital sigma's lowercase depends on its neighbours, and the table
    // stops at plane 1.
    if (word[i] >= 0x20000 || (word[i] == 0x3A3 && n > 1)) return false;
    lowercase_->Append(word[i], &lowered);
  }
  sink->Word(lowered.data(), lowered.size());
  return true;
}

EncodedRows EncodeRows(const TextEncoder& encoder, const TextBatch& batch, int threads) {
  const size_t rows = batch.rows.size();
  constexpr size_t kChunk = 128;
  EncodedRows out;
  out.offsets.assign(rows + 1, 0);
  out.needs_reference.assign(rows, 0);
  // Each chunk's ids land in a list of their own, joined in row order afterwards.
  std::vector<std::vector<int32_t>> chunk_ids((rows + kChunk - 1) / kChunk);
  ParallelChunks(
      rows, kChunk, threads, [] { return TextEncoderScratch(); },
      [&](TextEncoderScratch& scratch, size_t begin, size_t end) {
        std::vector<int32_t>& ids = chunk_ids[begin / kChunk];
        for (size_t r = begin; r < end; ++r) {
          if (encoder.Encode(batch, r, &scratch, &scratch.ids)) {
            ids.insert(ids.end(), scratch.ids.begin(), scratch.ids.end());
            out.offsets[r + 1] = static_cast<int32_t>(scratch.ids.size());
          } else {
            out.needs_reference[r] = 1;
          }
        }
      });
  for (size_t r = 0; r < rows; ++r) out.offsets[r + 1] += out.offsets[r];
  out.ids.reserve(out.offsets[rows]);
  for (const auto& ids : chunk_ids) out.ids.insert(out.ids.end(), ids.begin(), ids.end());
  return out;
}

}  // namespace student
}  // namespace ernie_slim
