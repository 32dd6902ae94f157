#include "tokenizer/tokenizer.h"

namespace ernie_slim {

WordPieceTokenizer::WordPieceTokenizer(Vocab vocab, bool lowercase)
    : vocab_(std::make_unique<Vocab>(std::move(vocab))),
      normalizer_(lowercase),
      wordpiece_(*vocab_),
      special_tokens_(*vocab_),
      post_processor_(vocab_->special().cls, vocab_->special().sep) {}

void WordPieceTokenizer::EncodeSequence(std::string_view text, size_t enough, State& state,
                                        std::vector<int32_t>& ids) const {
  ids.clear();
  bool stopped = false;
  special_tokens_.Split(
      text,
      [&](std::string_view run) {
        if (stopped) return;
        state.normalized.clear();
        normalizer_.Normalize(run, state.normalized);
        state.words.clear();
        pre_tokenizer_.Split(state.normalized, state.words);
        for (std::string_view word : state.words) {
          wordpiece_.Tokenize(word, ids);
          // Only a word ends the sequence early: a special token reaching the limit does not (measured).
          if (enough && ids.size() >= enough) {
            stopped = true;
            return;
          }
        }
      },
      [&](int32_t id) {
        if (!stopped) ids.push_back(id);
      });
}

void WordPieceTokenizer::Encode(std::string_view text, const std::string_view* pair, size_t max_length, State& state,
                                Encoding& out) const {
  out.clear();
  // With truncation, tokenizers stops a sequence at the first word that brings it to max_length tokens; the
  // pair truncation then sees those lengths (which can pass max_length by the rest of that word).
  EncodeSequence(text, max_length, state, state.first);
  if (pair) EncodeSequence(*pair, max_length, state, state.second);
  BertPostProcessor::Truncate(max_length, state.first, pair ? &state.second : nullptr);
  post_processor_.Assemble(state.first, pair ? &state.second : nullptr, out.ids, out.type_ids);
}

std::string WordPieceTokenizer::Normalize(std::string_view text) const {
  std::string out;
  normalizer_.Normalize(text, out);
  return out;
}

std::vector<std::string> WordPieceTokenizer::PreTokenize(std::string_view text) const {
  std::vector<std::string_view> views;
  pre_tokenizer_.Split(text, views);
  return std::vector<std::string>(views.begin(), views.end());
}

}  // namespace ernie_slim
