// jieba's dictionary (`word freq tag` lines, as @node-rs/jieba's dict.txt) as a trie over code points, walked
// one code point at a time; each node that ends a word holds ln(freq).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/huge_page_array.h"

namespace ernie_slim {
namespace segmenter {

// A dictionary that cannot be read or parsed; the message names the file (and line) at fault.
class DictionaryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PrefixDictionary {
 public:
  // Reads and parses a dictionary file; throws DictionaryError.
  static std::shared_ptr<const PrefixDictionary> FromFile(const std::string& path);
  // Parses dictionary text as jieba-rs's load_dict does: fields split on Unicode whitespace, a missing
  // frequency is 0, a repeated word takes the later frequency. `source` names the text in errors.
  static std::shared_ptr<const PrefixDictionary> FromText(std::string_view text, const std::string& source);

  size_t word_count() const { return word_count_; }
  // ln(sum of the frequencies): the denominator of every word's probability.
  double log_total() const { return log_total_; }

  // A walk through the trie, one code point at a time: Root(c) is the node of the one-character prefix c,
  // Child(node, c) extends it by c; kNoNode where no dictionary word starts so.
  using Node = uint32_t;
  static constexpr Node kNoNode = UINT32_MAX;

  Node Root(char32_t c) const {
    if (c < kDirectRoots) return slots_[c].key != kEmpty ? static_cast<Node>(c) : kNoNode;
    return Child(kRoot, c);
  }
  Node Child(Node parent, char32_t c) const {
    const uint64_t key = KeyOf(parent, c);
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const uint64_t k = slots_[kDirectRoots + i].key;
      if ((k & kKeyMask) == key) return static_cast<Node>(kDirectRoots + i);  // (a free slot's matches no key)
      if (k == kEmpty) return kNoNode;
    }
  }
  // Asks the memory for the nodes of text's first one and two code points (for a BMP first code point, both
  // addresses are known without reading anything), so that a walk started a few positions later finds them
  // in the cache.
  void Prefetch(const char32_t* text, size_t n) const {
    const char32_t c = text[0];
    if (c >= kDirectRoots) return;
    __builtin_prefetch(&slots_[c]);
    if (n > 1) __builtin_prefetch(&slots_[kDirectRoots + Home(KeyOf(static_cast<Node>(c), text[1]))]);
  }
  bool IsWord(Node node) const { return (slots_[node].key & kWordBit) != 0; }
  bool HasChildren(Node node) const { return (slots_[node].key & kInnerBit) != 0; }
  // ln(freq) of the word that ends at `node` (where IsWord).
  double LogFreq(Node node) const { return slots_[node].log_freq; }

 private:
  // The trie is one array of slots, so that each step of a walk costs one memory access: a node is the index
  // of its slot. The one-character prefixes of the Basic Multilingual Plane (where almost every text lives)
  // sit at their code point; every other node is the slot of an open-addressing hash table after them, keyed
  // by (parent node, code point).
  struct Slot {
    uint64_t key;     // (parent + 1) << 21 | code point, with kWordBit and kInnerBit; kEmpty when free
    double log_freq;  // ln(freq) where kWordBit is set
  };
  static constexpr uint64_t kWordBit = 1ull << 63;   // the node ends a word
  static constexpr uint64_t kInnerBit = 1ull << 62;  // the node has children
  static constexpr uint64_t kKeyMask = kInnerBit - 1;
  static constexpr uint64_t kEmpty = ~0ull;
  static constexpr Node kRoot = UINT32_MAX;  // the root's key part is (kRoot + 1) = 0
  static constexpr size_t kDirectRoots = 0x10000;

  // A parsed word: code points pool[offset .. offset + length) and its frequency.
  struct Entry {
    uint32_t offset;
    uint32_t length;
    uint64_t freq;
  };

  static uint64_t KeyOf(uint32_t parent, char32_t c) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(parent + 1)) << 21) | c;
  }
  size_t Home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }

  PrefixDictionary() = default;
  // Sorts and de-duplicates the entries (of a repeated word the last line wins), then fills the table.
  void Build(const std::vector<char32_t>& pool, std::vector<Entry>& entries);
  Node Insert(Node parent, char32_t c);

  HugePageArray<Slot> slots_;  // kDirectRoots slots, then the hash table's
  size_t mask_ = 0;            // of the hash table
  int shift_ = 64;
  size_t word_count_ = 0;
  double log_total_ = 0.0;
};

}  // namespace segmenter
}  // namespace ernie_slim
