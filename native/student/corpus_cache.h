// The token cache of a training run: each row's words segmented once, stored as provisional word ids (in
// order of first appearance, before there is a vocabulary) in blocks of a file, so that epochs stream the
// rows back block by block instead of holding the corpus in memory. The final vocabulary and label order
// come later, as tables from provisional to final ids that apply when a block is read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "student/text_encoder.h"
#include "student/word_vocabulary.h"

namespace ernie_slim {
namespace student {

// Rows of one kind per block: labeled rows and teacher-labeled rows are batched apart.
enum class CacheRowKind : uint32_t { kSupervised = 0, kDistill = 1 };

// One block's rows, as the file holds them. Text_b's words (two towers) have lengths_b and ids_b of their own.
struct CacheBlock {
  uint32_t kind = 0;
  uint32_t num_labels = 0;      // logits per row; 0: the block has no logits
  std::vector<int32_t> labels;  // provisional label ids
  std::vector<int32_t> lengths_a, ids_a, lengths_b, ids_b;
  std::vector<float> logits;  // rows x num_labels; a row of NaN has none

  size_t rows() const { return labels.size(); }
  void Clear();
};

// The rows of a batch of texts for the writer: label ids and logits (rows x num_labels, or empty) per row.
struct CacheRows {
  CacheRowKind kind = CacheRowKind::kSupervised;
  std::vector<int32_t> labels;
  std::vector<float> logits;
  uint32_t num_labels = 0;
};

// Words of rows segmented in JavaScript (the rows the native encoder leaves to the reference path, and the
// segmenters it does not cover), as UTF-16 words.
struct WordRows {
  std::vector<std::u16string> words_a, words_b;  // all rows' words, one after another
  std::vector<uint32_t> lengths_a, lengths_b;    // words per row
};

class CorpusCacheWriter {
 public:
  static constexpr uint32_t kFormatVersion = 1;

  // Opens `path` for writing (throws std::runtime_error). `towers` keeps text_b's words apart.
  CorpusCacheWriter(const std::string& path, bool towers, std::shared_ptr<const TextEncoder> encoder, int threads,
                    uint32_t block_rows);
  ~CorpusCacheWriter();

  // Segments the batch on `threads` threads and appends its rows; the result flags (1) the rows left out because
  // the encoder leaves them to the reference path (their words come through AppendWords).
  std::vector<uint8_t> AppendTexts(const TextBatch& batch, const CacheRows& rows);
  // Appends rows whose words were found elsewhere.
  void AppendWords(const WordRows& words, const CacheRows& rows);
  // Writes the last block and closes the file (throws std::runtime_error on a write error).
  void Finish();

  // Provisional id -> word (UTF-16; a lone surrogate kept as it came) and its count over all texts.
  const std::vector<std::u16string>& words() const { return words_; }
  const std::vector<double>& counts() const { return counts_; }
  uint64_t rows() const { return rows_; }

 private:
  // The provisional id of a word (code points; a lone surrogate is one unit of its own), added when new.
  int32_t Intern(const char32_t* word, size_t n);
  // Appends one row: its words are word_list's [a_begin, a_end) (and [b_begin, b_end) for text_b).
  void AppendRow(const WordList& word_list, size_t a_begin, size_t a_end, size_t b_begin, size_t b_end,
                 const CacheRows& rows, size_t r);
  void FlushBlock();

  std::mutex mutex_;  // one batch at a time
  std::FILE* file_ = nullptr;
  bool towers_;
  std::shared_ptr<const TextEncoder> encoder_;
  int threads_;
  uint32_t block_rows_;
  CacheBlock block_;
  WordVocabulary ids_;
  std::vector<std::u16string> words_;
  std::vector<double> counts_;
  uint64_t rows_ = 0;
};

// A cache file's blocks, read back with pread into the caller's buffers (the file is never mapped whole, so
// memory does not grow with it).
class CorpusCacheReader {
 public:
  struct BlockInfo {
    uint32_t kind, rows, tokens_a, tokens_b, num_labels;
    uint64_t offset;  // of the block's header
  };

  // Opens and indexes `path`; throws std::runtime_error naming what is wrong.
  explicit CorpusCacheReader(const std::string& path);
  ~CorpusCacheReader();
  CorpusCacheReader(const CorpusCacheReader&) = delete;
  CorpusCacheReader& operator=(const CorpusCacheReader&) = delete;

  bool towers() const { return towers_; }
  const std::vector<BlockInfo>& blocks() const { return blocks_; }
  void Read(size_t block, CacheBlock* out) const;

 private:
  int fd_ = -1;
  bool towers_ = false;
  std::vector<BlockInfo> blocks_;
};

}  // namespace student
}  // namespace ernie_slim
