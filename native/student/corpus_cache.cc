#include "student/corpus_cache.h"

#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "segmenter/code_points.h"
#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace student {

namespace {

constexpr char kMagic[8] = {'E', 'S', 'C', 'A', 'C', 'H', 'E', '1'};
constexpr uint32_t kBlockTag = 0x4B4C4231;  // "1BLK"
constexpr size_t kHeaderBytes = 16;         // magic, version, towers
constexpr size_t kBlockHeaderBytes = 24;    // tag, kind, rows, tokens_a, tokens_b, num_labels

std::runtime_error IoError(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// The bytes a block's arrays take after its header.
uint64_t BlockBytes(const CorpusCacheReader::BlockInfo& b, bool towers) {
  uint64_t ints = 2ull * b.rows + b.tokens_a + (towers ? uint64_t{b.rows} + b.tokens_b : 0);
  return ints * 4 + uint64_t{b.rows} * b.num_labels * 4;
}

// UTF-16 code units as code points, a lone surrogate kept as a unit of its own (no valid text decodes to one).
void DecodeKeepingSurrogates(const std::u16string& word, std::vector<char32_t>* out) {
  out->clear();
  for (size_t i = 0; i < word.size(); ++i) {
    const char16_t u = word[i];
    if (u >= 0xD800 && u < 0xDC00 && i + 1 < word.size() && word[i + 1] >= 0xDC00 && word[i + 1] < 0xE000) {
      out->push_back(0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (word[i + 1] - 0xDC00));
      ++i;
    } else {
      out->push_back(u);
    }
  }
}

}  // namespace

void CacheBlock::Clear() {
  labels.clear();
  lengths_a.clear();
  ids_a.clear();
  lengths_b.clear();
  ids_b.clear();
  logits.clear();
  num_labels = 0;
}

CorpusCacheWriter::CorpusCacheWriter(const std::string& path, bool towers, std::shared_ptr<const TextEncoder> encoder,
                                     int threads, uint32_t block_rows)
    : towers_(towers), encoder_(std::move(encoder)), threads_(threads), block_rows_(block_rows > 0 ? block_rows : 1) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw IoError("cannot write", path);
  uint32_t header[2] = {kFormatVersion, towers ? 1u : 0u};
  if (std::fwrite(kMagic, 1, sizeof kMagic, file_) != sizeof kMagic || std::fwrite(header, 4, 2, file_) != 2) {
    throw IoError("cannot write", path);
  }
}

CorpusCacheWriter::~CorpusCacheWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

int32_t CorpusCacheWriter::Intern(const char32_t* word, size_t n) {
  int32_t id = ids_.Find(word, n, -1);
  if (id < 0) {
    id = static_cast<int32_t>(words_.size());
    ids_.Add(word, n, id);
    std::u16string utf16;
    for (size_t i = 0; i < n; ++i) segmenter::AppendUtf16(word[i], &utf16);
    words_.push_back(std::move(utf16));
    counts_.push_back(0);
  }
  counts_[id] += 1;
  return id;
}

void CorpusCacheWriter::AppendRow(const WordList& list, size_t a_begin, size_t a_end, size_t b_begin, size_t b_end,
                                  const CacheRows& rows, size_t r) {
  if (block_.rows() > 0 && block_.kind != static_cast<uint32_t>(rows.kind)) FlushBlock();
  if (block_.rows() > 0 && rows.num_labels > 0 && block_.num_labels == 0) FlushBlock();
  block_.kind = static_cast<uint32_t>(rows.kind);
  auto add = [&](size_t begin, size_t end, std::vector<int32_t>* lengths, std::vector<int32_t>* ids) {
    for (size_t w = begin; w < end; ++w) {
      const uint32_t start = w == 0 ? 0 : list.ends[w - 1];
      ids->push_back(Intern(list.chars.data() + start, list.ends[w] - start));
    }
    lengths->push_back(static_cast<int32_t>(end - begin));
  };
  add(a_begin, a_end, &block_.lengths_a, &block_.ids_a);
  if (towers_) add(b_begin, b_end, &block_.lengths_b, &block_.ids_b);
  block_.labels.push_back(rows.labels[r]);
  if (rows.num_labels > 0) {
    // A block with logits has a row of them for every row: NaN for the rows before the first that had some.
    if (block_.num_labels == 0) block_.num_labels = rows.num_labels;
    const float* logits = rows.logits.data() + r * rows.num_labels;
    block_.logits.insert(block_.logits.end(), logits, logits + rows.num_labels);
  } else if (block_.num_labels > 0) {
    block_.logits.insert(block_.logits.end(), block_.num_labels, std::nanf(""));
  }
  ++rows_;
  if (block_.rows() >= block_rows_) FlushBlock();
}

std::vector<uint8_t> CorpusCacheWriter::AppendTexts(const TextBatch& batch, const CacheRows& rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t n = batch.rows.size();
  constexpr size_t kChunk = 64;
  struct ChunkWords {
    WordList words;
    std::vector<size_t> a_end, b_end;  // per row, the end of its text_a's and text_b's words
  };
  std::vector<ChunkWords> chunks((n + kChunk - 1) / kChunk);
  std::vector<uint8_t> left(n, 0);
  ParallelChunks(
      n, kChunk, threads_, [] { return TextEncoderScratch(); },
      [&](TextEncoderScratch& scratch, size_t begin, size_t end) {
        ChunkWords& chunk = chunks[begin / kChunk];
        for (size_t r = begin; r < end; ++r) {
          const std::u16string_view a = batch.text_a(r), b = batch.text_b(r);
          const bool has_b = batch.rows[r].has_b;
          bool ok;
          if (towers_) {
            const size_t row_words = chunk.words.size(), row_chars = chunk.words.chars.size();
            ok = encoder_->Cut(a, nullptr, &scratch, &chunk.words);
            const size_t a_end = chunk.words.size();
            if (ok && has_b) ok = encoder_->Cut(b, nullptr, &scratch, &chunk.words);
            if (ok) {
              chunk.a_end.push_back(a_end);
            } else {
              // text_b left to the reference path takes text_a's words with it: the row goes there whole.
              chunk.words.ends.resize(row_words);
              chunk.words.chars.resize(row_chars);
            }
          } else {
            ok = encoder_->Cut(a, has_b ? &b : nullptr, &scratch, &chunk.words);
            if (ok) chunk.a_end.push_back(chunk.words.size());
          }
          if (ok) {
            chunk.b_end.push_back(chunk.words.size());
          } else {
            left[r] = 1;
          }
        }
      });
  for (size_t c = 0; c < chunks.size(); ++c) {
    const ChunkWords& chunk = chunks[c];
    size_t k = 0, start = 0;
    for (size_t r = c * kChunk; r < std::min(n, (c + 1) * kChunk); ++r) {
      if (left[r]) continue;
      AppendRow(chunk.words, start, chunk.a_end[k], chunk.a_end[k], chunk.b_end[k], rows, r);
      start = chunk.b_end[k++];
    }
  }
  return left;
}

void CorpusCacheWriter::AppendWords(const WordRows& words, const CacheRows& rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  WordList list;
  std::vector<char32_t> word;
  size_t next_a = 0, next_b = 0;
  for (size_t r = 0; r < words.lengths_a.size(); ++r) {
    list.chars.clear();
    list.ends.clear();
    for (uint32_t w = 0; w < words.lengths_a[r]; ++w) {
      DecodeKeepingSurrogates(words.words_a[next_a++], &word);
      list.Append(word.data(), word.size());
    }
    const size_t a_end = list.size();
    if (towers_) {
      for (uint32_t w = 0; w < words.lengths_b[r]; ++w) {
        DecodeKeepingSurrogates(words.words_b[next_b++], &word);
        list.Append(word.data(), word.size());
      }
    }
    AppendRow(list, 0, a_end, a_end, list.size(), rows, r);
  }
}

void CorpusCacheWriter::FlushBlock() {
  if (block_.rows() == 0) return;
  const uint32_t header[6] = {kBlockTag,
                              block_.kind,
                              static_cast<uint32_t>(block_.rows()),
                              static_cast<uint32_t>(block_.ids_a.size()),
                              static_cast<uint32_t>(block_.ids_b.size()),
                              block_.num_labels};
  bool ok = std::fwrite(header, 4, 6, file_) == 6;
  auto put = [&](const void* data, size_t bytes) {
    if (ok && bytes > 0) ok = std::fwrite(data, 1, bytes, file_) == bytes;
  };
  put(block_.labels.data(), block_.labels.size() * 4);
  put(block_.lengths_a.data(), block_.lengths_a.size() * 4);
  put(block_.ids_a.data(), block_.ids_a.size() * 4);
  if (towers_) {
    put(block_.lengths_b.data(), block_.lengths_b.size() * 4);
    put(block_.ids_b.data(), block_.ids_b.size() * 4);
  }
  put(block_.logits.data(), block_.logits.size() * 4);
  if (!ok) throw IoError("cannot write", "the token cache");
  block_.Clear();
}

void CorpusCacheWriter::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  FlushBlock();
  const bool ok = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed) throw IoError("cannot write", "the token cache");
#if defined(__GLIBC__)
  // The batches' buffers, freed over several threads' arenas, go back to the system before training starts.
  malloc_trim(0);
#endif
}

CorpusCacheReader::CorpusCacheReader(const std::string& path) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw IoError("cannot read", path);
  const off_t size = lseek(fd_, 0, SEEK_END);
  char magic[8];
  uint32_t header[2];
  if (size < static_cast<off_t>(kHeaderBytes) || pread(fd_, magic, 8, 0) != 8 || pread(fd_, header, 8, 8) != 8 ||
      std::memcmp(magic, kMagic, 8) != 0 || header[0] != CorpusCacheWriter::kFormatVersion) {
    throw std::runtime_error("not a token cache of this version: " + path);
  }
  towers_ = header[1] != 0;
  for (uint64_t at = kHeaderBytes; at < static_cast<uint64_t>(size);) {
    uint32_t h[6];
    if (pread(fd_, h, sizeof h, static_cast<off_t>(at)) != static_cast<ssize_t>(sizeof h) || h[0] != kBlockTag) {
      throw std::runtime_error("a damaged token cache: " + path);
    }
    BlockInfo info{h[1], h[2], h[3], h[4], h[5], at};
    at += kBlockHeaderBytes + BlockBytes(info, towers_);
    if (at > static_cast<uint64_t>(size)) throw std::runtime_error("a truncated token cache: " + path);
    blocks_.push_back(info);
  }
}

CorpusCacheReader::~CorpusCacheReader() {
  if (fd_ >= 0) close(fd_);
}

void CorpusCacheReader::Read(size_t block, CacheBlock* out) const {
  const BlockInfo& b = blocks_.at(block);
  out->kind = b.kind;
  out->num_labels = b.num_labels;
  off_t at = static_cast<off_t>(b.offset + kBlockHeaderBytes);
  auto get = [&](auto* v, size_t count) {
    v->resize(count);
    const size_t bytes = count * 4;
    size_t done = 0;
    while (done < bytes) {
      const ssize_t got = pread(fd_, reinterpret_cast<char*>(v->data()) + done, bytes - done, at + done);
      if (got <= 0) throw std::runtime_error("cannot read the token cache: a short read");
      done += static_cast<size_t>(got);
    }
    at += static_cast<off_t>(bytes);
  };
  get(&out->labels, b.rows);
  get(&out->lengths_a, b.rows);
  get(&out->ids_a, b.tokens_a);
  if (towers_) {
    get(&out->lengths_b, b.rows);
    get(&out->ids_b, b.tokens_b);
  } else {
    out->lengths_b.clear();
    out->ids_b.clear();
  }
  get(&out->logits, static_cast<size_t>(b.rows) * b.num_labels);
}

}  // namespace student
}  // namespace ernie_slim
