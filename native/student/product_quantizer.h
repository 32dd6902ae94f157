// Product quantization as fastText's quantize does it (src/student/product-quantizer.ts is the same algorithm in
// TypeScript, kept as the reference the tests compare with): each row is cut into dsub-wide sub-vectors, each
// sub-space gets a 256-entry k-means codebook, and a row is stored as one uint8 code per sub-space. The random
// choices are the TypeScript generator's and distances are summed in double as there, so both give the same codes.
//
//   nsubq = ceil(dim / dsub) sub-spaces; the last is dim - (nsubq - 1) * dsub wide
//   centroids [256 * dim]: sub-space m's codebook starts at m * 256 * dsub, entry k at + k * d(m)
//   codes [rows * nsubq]: row r's sub-vector m is centroids[m][codes[r * nsubq + m]]
#pragma once
#include <cstdint>
#include <string>

namespace ernie_slim {
namespace student {

struct ProductQuantizerOptions {
  int64_t rows = 0;
  int dim = 0;
  int dsub = 1;
  uint32_t seed = 1234;
  // Threads for the assignment steps (the random draws stay in one sequence).
  int threads = 1;

  // Empty when the options are valid, else what is wrong.
  std::string Validate() const;
};

// Trains the codebooks on x [rows, dim] and codes every row: centroids [256 * dim] (zeroed here), codes [rows * nsubq].
void ProductQuantize(const float* x, const ProductQuantizerOptions& options, float* centroids, uint8_t* codes);

}  // namespace student
}  // namespace ernie_slim
