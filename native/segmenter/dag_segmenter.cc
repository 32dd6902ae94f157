#include "segmenter/dag_segmenter.h"

namespace ernie_slim {
namespace segmenter {

void DagSegmenter::Route(const char32_t* text, size_t n, DagScratch* scratch) const {
  if (scratch->log_prob.size() < n + 1) {
    scratch->log_prob.resize(n + 1);
    scratch->next.resize(n + 1);
  }
  const PrefixDictionary& dictionary = *dictionary_;
  double* log_prob = scratch->log_prob.data();
  uint32_t* next = scratch->next.data();
  const double log_total = dictionary.log_total();
  log_prob[n] = 0.0;
  next[n] = static_cast<uint32_t>(n);
  constexpr size_t kAhead = 6;  // the walk from i - kAhead is asked of the memory while the walk from i runs
  for (size_t i = n; i-- > 0;) {
    if (i >= kAhead) dictionary.Prefetch(text + i - kAhead, n - i + kAhead);
    bool found = false;
    double best = 0.0;
    size_t best_end = i + 1;
    PrefixDictionary::Node node = dictionary.Root(text[i]);
    for (size_t end = i + 1; node != PrefixDictionary::kNoNode; ++end) {
      if (dictionary.IsWord(node)) {
        // Evaluated as jieba-rs does, (ln f - ln total) + rest, so that ties fall the same way; a tie goes
        // to the longer word.
        const double p = dictionary.LogFreq(node) - log_total + log_prob[end];
        if (!found || p > best || (p == best && end > best_end)) {
          found = true;
          best = p;
          best_end = end;
        }
      }
      if (end == n || !dictionary.HasChildren(node)) break;
      node = dictionary.Child(node, text[end]);
    }
    if (!found) best = (0.0 - log_total) + log_prob[i + 1];  // a character outside the dictionary: freq 1
    log_prob[i] = best;
    next[i] = static_cast<uint32_t>(best_end);
  }
}

void DagSegmenter::CutBlock(const char32_t* text, uint32_t begin, uint32_t end, DagScratch* scratch,
                            std::vector<TokenSpan>* tokens) const {
  const uint32_t n = end - begin;
  const char32_t* block = text + begin;
  Route(block, n, scratch);
  const uint32_t* next = scratch->next.data();
  constexpr uint32_t kNone = UINT32_MAX;
  uint32_t run = kNone;  // start of the pending run of single ASCII letters and digits
  for (uint32_t x = 0; x < n;) {
    const uint32_t y = next[x];
    if (y - x == 1 && IsAsciiAlphanumeric(block[x])) {
      if (run == kNone) run = x;
    } else {
      if (run != kNone) {
        tokens->push_back({begin + run, begin + x});
        run = kNone;
      }
      tokens->push_back({begin + x, begin + y});
    }
    x = y;
  }
  if (run != kNone) tokens->push_back({begin + run, end});
}

}  // namespace segmenter
}  // namespace ernie_slim
