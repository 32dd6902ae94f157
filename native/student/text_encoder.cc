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

}  // namespace

TextEncoder::TextEncoder(TextEncoderSettings settings, std::shared_ptr<const segmenter::DagSegmenter> segmenter,
                         std::shared_ptr<const LowercaseMap> lowercase, WordVocabulary vocabulary)
    : settings_(settings),
      segmenter_(std::move(segmenter)),
      lowercase_(std::move(lowercase)),
      vocabulary_(std::move(vocabulary)) {
  const std::u32string unk = U"[UNK]";
  unk_word_id_ = vocabulary_.Find(unk.data(), unk.size(), kUnkId);
}

bool TextEncoder::Encode(std::u16string_view text_a, const std::u16string_view* text_b, TextEncoderScratch* scratch,
                         std::vector<int32_t>* ids) const {
  ids->clear();
  if (!AppendText(text_a, scratch, ids)) return false;
  if (text_b != nullptr && !AppendText(*text_b, scratch, ids)) return false;
  if (ids->empty()) ids->push_back(kUnkId);
  return true;
}

bool TextEncoder::AppendText(std::u16string_view text, TextEncoderScratch* scratch, std::vector<int32_t>* ids) const {
  const std::u16string_view unk(kUnkWord, kUnkWordLength);
  for (size_t start = 0; !Full(*ids);) {
    const size_t hit = text.find(unk, start);
    const size_t end = hit == std::u16string_view::npos ? text.size() : hit;
    if (!AppendPiece(text.data() + start, end - start, scratch, ids)) return false;
    if (hit == std::u16string_view::npos || Full(*ids)) break;
    ids->push_back(unk_word_id_);
    start = hit + kUnkWordLength;
  }
  return true;
}

bool TextEncoder::AppendPiece(const char16_t* piece, size_t n, TextEncoderScratch* scratch,
                              std::vector<int32_t>* ids) const {
  if (n == 0 || Full(*ids)) return true;
  std::vector<char32_t>& text = scratch->code_points;
  if (!segmenter::DecodeUtf16(piece, n, &text)) return false;
  const char32_t* chars = text.data();
  if (settings_.splitter == WordSplitter::kWhitespace) {
    for (size_t i = 0; i < text.size() && !Full(*ids);) {
      if (segmenter::IsJsWhitespace(chars[i])) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < text.size() && !segmenter::IsJsWhitespace(chars[j])) ++j;
      if (!AppendWord(chars + i, j - i, scratch, ids)) return false;
      i = j;
    }
    return true;
  }
  std::vector<segmenter::TokenSpan>& tokens = scratch->tokens;
  tokens.clear();
  const size_t room = settings_.max_words > 0 ? static_cast<size_t>(settings_.max_words) - ids->size() : 0;
  segmenter_->Cut(chars, text.size(), &scratch->dag, &tokens, room,
                  [chars](segmenter::TokenSpan t) { return !IsBlank(chars + t.begin, t.end - t.begin); });
  for (const segmenter::TokenSpan& t : tokens) {
    if (IsBlank(chars + t.begin, t.end - t.begin)) continue;
    if (Full(*ids)) break;
    if (!AppendWord(chars + t.begin, t.end - t.begin, scratch, ids)) return false;
  }
  return true;
}

bool TextEncoder::AppendWord(const char32_t* word, size_t n, TextEncoderScratch* scratch,
                             std::vector<int32_t>* ids) const {
  if (!settings_.lowercase || !HasCasedUnit(word, n)) {
    ids->push_back(vocabulary_.Find(word, n, kUnkId));
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
  ids->push_back(vocabulary_.Find(lowered.data(), lowered.size(), kUnkId));
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
