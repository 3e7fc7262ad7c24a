// Seeded shuffles and samples (see octet/random.h for the exact algorithm).
#include "octet/random.h"

#include <algorithm>
#include <numeric>

#include "octet/error.h"

namespace octet {

std::vector<int64_t> shuffled_indices(int64_t n, Rng& rng) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[rng.below(static_cast<uint64_t>(i) + 1)]);
  return p;
}

std::vector<int64_t> sample_indices(int64_t n, int64_t count, uint64_t seed) {
  if (count < 0 || count > n) fail("cannot draw {} samples from a set of {}", count, n);
  Rng rng(seed);
  std::vector<int64_t> p = shuffled_indices(n, rng);
  p.resize(static_cast<size_t>(count));
  std::sort(p.begin(), p.end());
  return p;
}

}  // namespace octet
