#include "tokenizer/vocab.h"

#include <fstream>
#include <sstream>

namespace ernie_slim {

namespace {

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// ERNIE lines end in a tab and a decimal id; BERT lines never hold a tab.
bool IsErnieLine(std::string_view line) {
  size_t tab = line.rfind('\t');
  if (tab == std::string_view::npos || tab + 1 >= line.size()) return false;
  for (size_t i = tab + 1; i < line.size(); i++)
    if (line[i] < '0' || line[i] > '9') return false;
  return true;
}

}  // namespace

Vocab Vocab::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw VocabError(path + ": cannot read the vocabulary file (missing or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  return FromText(text.str(), path);
}

Vocab Vocab::FromText(std::string_view text, const std::string& name) {
  Vocab vocab;
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  bool ernie = false;
  for (std::string_view line : lines) {
    if (TrimEnd(line).empty()) continue;
    ernie = IsErnieLine(TrimEnd(line));
    break;
  }
  for (size_t index = 0; index < lines.size(); index++) {
    std::string_view line = TrimEnd(lines[index]);
    std::string_view token = line;
    int64_t id = static_cast<int64_t>(index);
    if (ernie) {
      if (line.empty()) continue;
      if (!IsErnieLine(line))
        throw VocabError(name + ":" + std::to_string(index + 1) + ": expected `token<TAB>id` like the lines above it");
      size_t tab = line.rfind('\t');
      token = line.substr(0, tab);
      std::string_view digits = line.substr(tab + 1);
      if (digits.size() > 9) throw VocabError(name + ":" + std::to_string(index + 1) + ": id too large");
      id = 0;
      for (char d : digits) id = id * 10 + (d - '0');
    }
    vocab.tokens_.Insert(token, static_cast<int32_t>(id));
    if (token.size() > kContinuationPrefix.size() && token.substr(0, kContinuationPrefix.size()) == kContinuationPrefix)
      vocab.continuations_.Insert(token.substr(kContinuationPrefix.size()), static_cast<int32_t>(id));
    if (static_cast<size_t>(id) >= vocab.id_to_token_.size()) vocab.id_to_token_.resize(id + 1);
    vocab.id_to_token_[id] = std::string(token);
  }
  if (vocab.tokens_.size() == 0) throw VocabError(name + ": the vocabulary file is empty");
  vocab.special_ = {vocab.Find("[PAD]"), vocab.Find("[UNK]"), vocab.Find("[CLS]"), vocab.Find("[SEP]"),
                    vocab.Find("[MASK]")};
  for (const char* required : {"[UNK]", "[CLS]", "[SEP]"})
    if (vocab.Find(required) < 0) throw VocabError(name + ": the vocabulary has no " + required + " token");
  return vocab;
}

const std::string& Vocab::Token(int32_t id) const {
  static const std::string kNone;
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return kNone;
  return id_to_token_[id];
}

}  // namespace ernie_slim
