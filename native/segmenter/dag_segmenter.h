// jieba's cut without HMM (as jieba-rs, which @node-rs/jieba wraps, does it): the text is split into runs
// of dictionary-block characters and runs of others; each character of the others is a token ("\r\n" is
// one); each block is cut along the most probable route through the DAG of its dictionary words
// (ln(freq) - ln(total) per word, a character outside the dictionary counting as freq 1), and the single
// ASCII letters or digits that route leaves side by side are joined into one token.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "segmenter/char_classes.h"
#include "segmenter/prefix_dictionary.h"

namespace ernie_slim {
namespace segmenter {

// A token: code points [begin, end) of the text that was cut.
struct TokenSpan {
  uint32_t begin;
  uint32_t end;
};

// The route of the block being cut, reused from text to text (one per thread).
struct DagScratch {
  std::vector<double> log_prob;  // best ln-probability of the block's rest from each position
  std::vector<uint32_t> next;    // where the best route's word from each position ends
};

class DagSegmenter {
 public:
  explicit DagSegmenter(std::shared_ptr<const PrefixDictionary> dictionary) : dictionary_(std::move(dictionary)) {}

  const PrefixDictionary& dictionary() const { return *dictionary_; }

  // Appends the tokens of text[0..n) to *tokens, whitespace included, as @node-rs/jieba's cut(text, false).
  // Stops after the block in which the token count (of tokens that `counts` accepts) reaches `limit`
  // (0 = no limit); returns that count.
  template <typename Counts>
  size_t Cut(const char32_t* text, size_t n, DagScratch* scratch, std::vector<TokenSpan>* tokens, size_t limit,
             Counts&& counts) const;

  // Every token of the text.
  void Cut(const char32_t* text, size_t n, DagScratch* scratch, std::vector<TokenSpan>* tokens) const {
    Cut(text, n, scratch, tokens, 0, [](TokenSpan) { return true; });
  }

 private:
  // Fills scratch's route for the block text[0..n), right to left: the DAG's edges from a position are the
  // dictionary words that start there, found by walking the trie.
  void Route(const char32_t* text, size_t n, DagScratch* scratch) const;
  // Appends the tokens of the block at text[begin..end) along its route.
  void CutBlock(const char32_t* text, uint32_t begin, uint32_t end, DagScratch* scratch,
                std::vector<TokenSpan>* tokens) const;

  std::shared_ptr<const PrefixDictionary> dictionary_;
};

template <typename Counts>
size_t DagSegmenter::Cut(const char32_t* text, size_t n, DagScratch* scratch, std::vector<TokenSpan>* tokens,
                         size_t limit, Counts&& counts) const {
  size_t counted = 0;
  uint32_t i = 0;
  const uint32_t length = static_cast<uint32_t>(n);
  while (i < length && (limit == 0 || counted < limit)) {
    const size_t first_token = tokens->size();
    uint32_t j = i + 1;
    if (IsJiebaBlockChar(text[i])) {
      while (j < length && IsJiebaBlockChar(text[j])) ++j;
      CutBlock(text, i, j, scratch, tokens);
    } else {
      while (j < length && !IsJiebaBlockChar(text[j])) ++j;
      for (uint32_t k = i; k < j;) {
        const uint32_t step = (text[k] == '\r' && k + 1 < j && text[k + 1] == '\n') ? 2 : 1;
        tokens->push_back({k, k + step});
        k += step;
      }
    }
    for (size_t t = first_token; t < tokens->size(); ++t) counted += counts((*tokens)[t]) ? 1 : 0;
    i = j;
  }
  return counted;
}

}  // namespace segmenter
}  // namespace ernie_slim
