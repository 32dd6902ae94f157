// A compact embedding table (fastText's QMatrix): only kept rows, each product-quantized into one uint8 code per
// dsub-wide sub-space (256-entry codebooks), optionally times a quantized norm. Other rows read as zero. Rows are
// never decoded into a float table: the bag sums sub-vectors straight from the codebooks.
//
//   nsubq = ceil(dim / dsub); sub-space m is d(m) = dsub wide (the last: dim - (nsubq - 1) * dsub)
//   centroids [256 * dim]: sub-space m's entry k at m * 256 * dsub + k * d(m)
//   codes [kept * nsubq]; norm_centroids [256], norm_codes [kept] (both empty without norms)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ernie_slim {
namespace student {

class QuantizedTable {
 public:
  static constexpr int kCodebookSize = 256;

  // kept_rows: ascending row ids below `rows`; the arrays as laid out above. Check Validate() before use.
  QuantizedTable(int64_t rows, int dim, int dsub, const int32_t* kept_rows, int64_t kept, const float* centroids,
                 const uint8_t* codes, const float* norm_centroids, const uint8_t* norm_codes);

  // Empty when well formed, else what is wrong.
  std::string Validate() const { return problem_; }

  int64_t rows() const { return rows_; }
  int dim() const { return dim_; }
  // out[0..dim) += row's decoded vector (nothing for a row that was not kept).
  void AddRow(int64_t row, float* out) const;
  // out[0..dim) += the decoded vectors of rows[0..n), in that order (the same sums as AddRow row by row): sub-space
  // by sub-space, each output sub-vector held in registers while the rows' entries are added to it.
  void AddRows(const int32_t* rows, int n, float* out) const;
  // Bytes held (codes, codebooks and the kept-rows bitmap with its rank index).
  size_t bytes() const;

  // The table as it came in (for writing it out again): its sizes, then the arrays as laid out above.
  int dsub() const { return dsub_; }
  int64_t kept() const { return static_cast<int64_t>(codes_.size()) / nsubq_; }
  bool has_norms() const { return !norm_codes_.empty(); }
  // kept_rows [kept()], centroids [256 * dim], codes [kept() * nsubq]; the norm arrays only where has_norms().
  void CopyOut(int32_t* kept_rows, float* centroids, uint8_t* codes, float* norm_centroids, uint8_t* norm_codes) const;

 private:
  int64_t rows_;
  int dim_, dsub_, nsubq_;
  std::string problem_;
  // Kept index of a row, -1 where not kept: a rank over the kept-rows bitmap.
  int32_t Slot(int64_t row) const {
    const uint64_t word = kept_bits_[row >> 6], bit = uint64_t{1} << (row & 63);
    if ((word & bit) == 0) return -1;
    return static_cast<int32_t>(rank_[row >> 6] + __builtin_popcountll(word & (bit - 1)));
  }

  // 1 bit a row, and the kept rows before each 64-row word (1.5 bits a row where a 4-byte map took 32).
  std::vector<uint64_t> kept_bits_;
  std::vector<uint32_t> rank_;
  std::vector<float> centroids_, norm_centroids_;
  std::vector<uint8_t> codes_, norm_codes_;
};

}  // namespace student
}  // namespace ernie_slim
