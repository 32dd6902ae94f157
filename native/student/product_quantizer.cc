#include "product_quantizer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "util/parallel_chunks.h"
#include "util/xoshiro128.h"

namespace ernie_slim {
namespace student {

namespace {

constexpr int kCodebookSize = 256;
// As fastText: k-means sees at most 256 points per centroid, for 25 iterations.
constexpr int64_t kMaxPoints = int64_t{kCodebookSize} * 256;
constexpr int kIterations = 25;
constexpr double kSplitEps = 1e-7;
// Points a thread takes at a time in the assignment steps.
constexpr size_t kChunk = 2048;

#if defined(__GNUC__) && defined(__x86_64__)
#define ERNIE_SLIM_PQ_AVX2 1
typedef double V4d __attribute__((vector_size(32)));
typedef long long V4l __attribute__((vector_size(32)));

// ERNIE_SLIM_NO_AVX2 (any value) keeps the baseline search, so tests check both on one machine.
bool CpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2") && std::getenv("ERNIE_SLIM_NO_AVX2") == nullptr;
  return has;
}

// The nearest of 4-entry groups of columns [d, kpad]: four entries per step, each lane summing its distance in
// the scalar order (no FMA: the target has none), ties to the lowest index as a scan from entry 0 gives.
__attribute__((target("avx2"))) int NearestAvx2(const double* columns, int kpad, int d, const float* x) {
  const double inf = std::numeric_limits<double>::infinity();
  V4d best = {inf, inf, inf, inf};
  V4l best_index = {0, 0, 0, 0};
  V4l index = {0, 1, 2, 3};
  const V4l step = {4, 4, 4, 4};
  for (int c = 0; c < kpad; c += 4) {
    V4d distance = {0, 0, 0, 0};
    for (int i = 0; i < d; ++i) {
      V4d column;
      std::memcpy(&column, columns + static_cast<size_t>(i) * kpad + c, sizeof column);
      const double xi = x[i];
      const V4d diff = V4d{xi, xi, xi, xi} - column;
      distance += diff * diff;
    }
    const V4l closer = distance < best;
    best = closer ? distance : best;
    best_index = closer ? index : best_index;
    index += step;
  }
  int found = static_cast<int>(best_index[0]);
  double found_distance = best[0];
  for (int lane = 1; lane < 4; ++lane) {
    if (best[lane] < found_distance || (best[lane] == found_distance && best_index[lane] < found)) {
      found = static_cast<int>(best_index[lane]);
      found_distance = best[lane];
    }
  }
  return found;
}
#endif

// A codebook's first k entries [k, d] as double columns [d, kpad] (kpad: k rounded up to 4, the padding +inf
// so that it is never nearest), for the nearest-entry search.
class EntryColumns {
 public:
  void Load(const float* book, int k, int d) {
    k_ = k;
    d_ = d;
    kpad_ = (k + 3) / 4 * 4;
    columns_.assign(static_cast<size_t>(d) * kpad_, std::numeric_limits<double>::infinity());
    for (int c = 0; c < k; ++c)
      for (int i = 0; i < d; ++i) columns_[static_cast<size_t>(i) * kpad_ + c] = book[c * d + i];
  }

  // The nearest entry to x[0..d): squared distances summed in double, ties to the lowest index.
  int Nearest(const float* x) const {
#ifdef ERNIE_SLIM_PQ_AVX2
    if (CpuHasAvx2()) return NearestAvx2(columns_.data(), kpad_, d_, x);
#endif
    int best = 0;
    double best_distance = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k_; ++c) {
      double distance = 0;
      for (int i = 0; i < d_; ++i) {
        const double diff = static_cast<double>(x[i]) - columns_[static_cast<size_t>(i) * kpad_ + c];
        distance += diff * diff;
      }
      if (distance < best_distance) {
        best_distance = distance;
        best = c;
      }
    }
    return best;
  }

 private:
  int k_ = 0, d_ = 0, kpad_ = 0;
  std::vector<double> columns_;
};

// A Fisher-Yates permutation of 0..n-1, as the TypeScript reference draws it.
std::vector<int32_t> Permutation(int64_t n, Xoshiro128* rng) {
  std::vector<int32_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng->Next() * static_cast<double>(i + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

// assign[j] = nearest entry to point j of x [n, d], over threads.
void Assign(const EntryColumns& columns, const float* x, int64_t n, int d, int threads, uint8_t* assign) {
  ParallelChunks(
      static_cast<size_t>(n), kChunk, threads, [] { return 0; },
      [&](int, size_t begin, size_t end) {
        for (size_t j = begin; j < end; ++j) assign[j] = static_cast<uint8_t>(columns.Nearest(x + j * d));
      });
}

// Lloyd's k-means from k random points; an emptied centroid takes half of a large cluster (fastText's MStep).
// With fewer points than entries, each point is its own entry and the rest stay zero.
void Kmeans(const float* x, int64_t n, int d, float* book, uint8_t* assign, Xoshiro128* rng, int threads) {
  const int k = static_cast<int>(std::min<int64_t>(kCodebookSize, n));
  const std::vector<int32_t> start = Permutation(n, rng);
  for (int c = 0; c < k; ++c)
    for (int i = 0; i < d; ++i) book[c * d + i] = x[static_cast<size_t>(start[c]) * d + i];
  if (k == n) return;
  std::vector<int64_t> counts(k);
  EntryColumns columns;
  for (int it = 0; it < kIterations; ++it) {
    columns.Load(book, k, d);
    Assign(columns, x, n, d, threads, assign);
    std::fill(book, book + k * d, 0.0f);
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t j = 0; j < n; ++j) {
      const int c = assign[j];
      ++counts[c];
      for (int i = 0; i < d; ++i) book[c * d + i] += x[j * d + i];
    }
    for (int c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;
      for (int i = 0; i < d; ++i)
        book[c * d + i] = static_cast<float>(static_cast<double>(book[c * d + i]) / static_cast<double>(counts[c]));
    }
    for (int c = 0; c < k; ++c) {
      if (counts[c] > 0) continue;
      int donor = 0;
      while (rng->Next() * static_cast<double>(n - k) >= static_cast<double>(counts[donor] - 1))
        donor = (donor + 1) % k;
      for (int i = 0; i < d; ++i) {
        const double sign = i % 2 == 0 ? 1.0 : -1.0;
        const double entry = book[donor * d + i];
        book[c * d + i] = static_cast<float>(entry * (1 + sign * kSplitEps));
        book[donor * d + i] = static_cast<float>(entry * (1 - sign * kSplitEps));
      }
      counts[c] = counts[donor] >> 1;
      counts[donor] -= counts[c];
    }
  }
}

}  // namespace

std::string ProductQuantizerOptions::Validate() const {
  if (rows < 0) return "rows must not be negative";
  if (dim < 1) return "dim must be at least 1";
  if (dsub < 1 || dsub > dim) return "dsub must be an integer in 1.." + std::to_string(dim);
  if (threads < 1) return "threads must be at least 1";
  return "";
}

void ProductQuantize(const float* x, const ProductQuantizerOptions& options, float* centroids, uint8_t* codes) {
  const int64_t rows = options.rows;
  const int dim = options.dim, dsub = options.dsub;
  const int nsubq = (dim + dsub - 1) / dsub;
  std::fill(centroids, centroids + static_cast<size_t>(kCodebookSize) * dim, 0.0f);
  Xoshiro128 rng(options.seed);
  const int64_t points = std::min(rows, kMaxPoints);
  std::vector<float> slice(static_cast<size_t>(points) * dsub);
  std::vector<uint8_t> assign(static_cast<size_t>(points));
  EntryColumns columns;
  for (int m = 0; m < nsubq; ++m) {
    const int d = m == nsubq - 1 ? dim - m * dsub : dsub;
    const std::vector<int32_t> order = Permutation(rows, &rng);
    for (int64_t j = 0; j < points; ++j)
      for (int i = 0; i < d; ++i) slice[j * d + i] = x[static_cast<size_t>(order[j]) * dim + m * dsub + i];
    float* book = centroids + static_cast<size_t>(m) * kCodebookSize * dsub;
    Kmeans(slice.data(), points, d, book, assign.data(), &rng, options.threads);
    if (rows == 0) continue;
    columns.Load(book, static_cast<int>(std::min<int64_t>(kCodebookSize, points)), d);
    ParallelChunks(
        static_cast<size_t>(rows), kChunk, options.threads, [] { return 0; },
        [&](int, size_t begin, size_t end) {
          for (size_t r = begin; r < end; ++r) {
            codes[r * nsubq + m] = static_cast<uint8_t>(columns.Nearest(x + r * dim + m * dsub));
          }
        });
  }
}

}  // namespace student
}  // namespace ernie_slim
