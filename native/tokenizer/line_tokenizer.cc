#include "tokenizer/line_tokenizer.h"

#include <algorithm>
#include <vector>

#include "tokenizer/utf8.h"

namespace ernie_slim {

namespace {

// Writes id in decimal at p and returns the end.
inline char* WriteId(char* p, uint32_t id) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id);
  while (n) *p++ = digits[--n];
  return p;
}

}  // namespace

TokenizedLines TokenizeLines(const WordPieceTokenizer& tokenizer, std::string_view block, bool pair, size_t max_length,
                             size_t threads, ThreadPool& pool) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < block.size();) {
    size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    std::string_view line = block.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  TokenizedLines result;
  result.lines = lines.size();
  const size_t parts = std::min(lines.size(), std::max<size_t>(1, threads));
  std::vector<std::string> texts(parts);
  std::vector<size_t> bad(parts, 0);
  std::vector<std::string> problems(parts);
  pool.ParallelFor(parts, threads, [&](size_t part) {
    WordPieceTokenizer::State state;
    Encoding encoding;
    std::string& out = texts[part];
    const size_t begin = lines.size() * part / parts, end = lines.size() * (part + 1) / parts;
    size_t bytes = 0;
    for (size_t i = begin; i < end; i++) bytes += lines[i].size();
    out.reserve(bytes * 2 + (end - begin) * 12);  // about 4 output bytes a CJK char, 3 input bytes
    for (size_t i = begin; i < end; i++) {
      std::string_view text = lines[i], second;
      if (!IsValidUtf8(text)) {
        bad[part] = i + 1;
        problems[part] = "invalid UTF-8";
        return;
      }
      if (pair) {
        size_t tab = text.find('\t');
        if (tab == std::string_view::npos) {
          bad[part] = i + 1;
          problems[part] = "expected text_a<TAB>text_b (--pair)";
          return;
        }
        second = text.substr(tab + 1);
        text = text.substr(0, tab);
      }
      tokenizer.Encode(text, pair ? &second : nullptr, max_length, state, encoding);
      // At most 10 digits and a separator an id.
      size_t used = out.size();
      out.resize(used + encoding.ids.size() * 11 + 1);
      char* p = out.data() + used;
      for (size_t k = 0; k < encoding.ids.size(); k++) {
        if (k) *p++ = ' ';
        p = WriteId(p, static_cast<uint32_t>(encoding.ids[k]));
      }
      *p++ = '\n';
      out.resize(p - out.data());
    }
  });
  for (size_t part = 0; part < parts; part++) {
    if (bad[part]) {
      result.bad_line = bad[part];
      result.problem = problems[part];
      return result;
    }
  }
  result.text = std::move(texts[0]);
  size_t total = 0;
  for (const std::string& t : texts) total += t.size();
  result.text.reserve(total);
  for (size_t part = 1; part < parts; part++) result.text.append(texts[part]);
  return result;
}

}  // namespace ernie_slim
