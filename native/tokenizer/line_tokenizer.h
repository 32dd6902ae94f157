// The `tokenize` command's hot loop: a block of input lines to the text of their id lines, over threads.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.h"
#include "util/thread_pool.h"

namespace ernie_slim {

struct TokenizedLines {
  std::string text;     // one line of space-separated ids per input line
  size_t lines = 0;     // input lines read
  size_t bad_line = 0;  // 1-based line of the block at fault, 0 when all were good
  std::string problem;  // what is wrong with bad_line
};

// block holds whole lines ending in '\n' (the last may lack it); a trailing '\r' is dropped.
// With pair, each line is text_a '\t' text_b.
TokenizedLines TokenizeLines(const WordPieceTokenizer& tokenizer, std::string_view block, bool pair, size_t max_length,
                             size_t threads, ThreadPool& pool);

}  // namespace ernie_slim
