// Text to the student's word ids in one native pass: the word rules of src/student/segmentation.ts (jieba's
// cut or whitespace-separated words, a literal [UNK] kept whole, jieba's whitespace tokens dropped, Latin
// lowercased as `lowercased()` does, maxWords over a text or a pair) and the lookup of
// src/student/vocabulary.ts (an unknown word is [UNK]; a row without words is one [UNK]). No string is made
// per word: words are spans of the text's code points, looked up in the student's WordTable (shared, not copied).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "segmenter/dag_segmenter.h"
#include "student/lowercase_map.h"
#include "student/word_table.h"

namespace ernie_slim {
namespace student {

enum class WordSplitter { kJieba, kWhitespace };

struct TextEncoderSettings {
  WordSplitter splitter = WordSplitter::kJieba;
  bool lowercase = true;
  int32_t max_words = 0;  // 0: no limit

  // Empty when the settings are usable, else what is wrong with them (named as JavaScript names them).
  std::string Validate() const { return max_words < 0 ? "maxWords must be an integer >= 0" : ""; }
};

// One thread's buffers, reused text after text.
struct TextEncoderScratch {
  std::u16string text, text_b;  // a text (and its pair) copied out of JavaScript on the synchronous path
  std::vector<char32_t> code_points;
  std::vector<segmenter::TokenSpan> tokens;
  segmenter::DagScratch dag;
  std::u32string lowered;
  std::vector<int32_t> ids;
};

// A text's words before there is a vocabulary: word i is chars[ends[i-1] .. ends[i]) (from 0).
struct WordList {
  std::vector<char32_t> chars;
  std::vector<uint32_t> ends;

  size_t size() const { return ends.size(); }
  void Append(const char32_t* word, size_t n) {
    chars.insert(chars.end(), word, word + n);
    ends.push_back(static_cast<uint32_t>(chars.size()));
  }
};

// Texts copied out of JavaScript so that worker threads can read them: row r is its text_a, followed by
// its text_b when it has one.
struct TextBatch {
  struct Row {
    size_t a_begin = 0, a_length = 0, b_begin = 0, b_length = 0;
    bool has_b = false;
  };
  std::u16string units;
  std::vector<Row> rows;

  std::u16string_view text_a(size_t r) const { return {units.data() + rows[r].a_begin, rows[r].a_length}; }
  std::u16string_view text_b(size_t r) const { return {units.data() + rows[r].b_begin, rows[r].b_length}; }
};

class TextEncoder {
 public:
  static constexpr int32_t kUnkId = 1;

  // `segmenter` may be null for the whitespace splitter.
  TextEncoder(TextEncoderSettings settings, std::shared_ptr<const segmenter::DagSegmenter> segmenter,
              std::shared_ptr<const LowercaseMap> lowercase, std::shared_ptr<const WordTable> vocabulary);

  // Replaces *ids with the word ids of text_a, followed by text_b's when text_b is given. False when the text
  // is left to the reference path (TypeScript): it holds a lone surrogate, or a word whose JavaScript
  // lowercase depends on its context (a capital sigma inside a word) or lies beyond the lowercase table.
  bool Encode(std::u16string_view text_a, const std::u16string_view* text_b, TextEncoderScratch* scratch,
              std::vector<int32_t>* ids) const;

  // Appends to *words the words that Encode would look up (a literal [UNK] as the word [UNK]; no [UNK] for a
  // text without words); false, with *words as it was, where Encode would be false. The vocabulary is unused.
  bool Cut(std::u16string_view text_a, const std::u16string_view* text_b, TextEncoderScratch* scratch,
           WordList* words) const;

  // Encode for row r of a batch.
  bool Encode(const TextBatch& batch, size_t r, TextEncoderScratch* scratch, std::vector<int32_t>* ids) const {
    std::u16string_view b = batch.text_b(r);
    return Encode(batch.text_a(r), batch.rows[r].has_b ? &b : nullptr, scratch, ids);
  }

  const TextEncoderSettings& settings() const { return settings_; }

 private:
  // A Sink takes words (ids looked up, or the words themselves): size(), Unk() and Word(chars, n).
  // Appends one text's words (the text is cut around each literal [UNK]).
  template <typename Sink>
  bool AppendText(std::u16string_view text, TextEncoderScratch* scratch, Sink* sink) const;
  // Appends the words of a piece of text without [UNK].
  template <typename Sink>
  bool AppendPiece(const char16_t* piece, size_t n, TextEncoderScratch* scratch, Sink* sink) const;
  // Appends one word, lowercased when the settings ask for it.
  template <typename Sink>
  bool AppendWord(const char32_t* word, size_t n, TextEncoderScratch* scratch, Sink* sink) const;
  bool Full(size_t words) const { return settings_.max_words > 0 && words >= static_cast<size_t>(settings_.max_words); }

  TextEncoderSettings settings_;
  std::shared_ptr<const segmenter::DagSegmenter> segmenter_;
  std::shared_ptr<const LowercaseMap> lowercase_;
  std::shared_ptr<const WordTable> vocabulary_;
  int32_t unk_word_id_;  // the id of the literal word [UNK] (the vocabulary's, like any other word)
};

// The ids of every row of a batch over `threads` threads, in CSR form; needs_reference[r] = 1 (and an empty
// row) where the row is left to the reference path.
struct EncodedRows {
  std::vector<int32_t> ids;
  std::vector<int32_t> offsets;
  std::vector<uint8_t> needs_reference;
};
EncodedRows EncodeRows(const TextEncoder& encoder, const TextBatch& batch, int threads);

}  // namespace student
}  // namespace ernie_slim
