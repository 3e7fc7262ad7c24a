// A small, fully specified random number generator, so that the same seed gives the same
// model on every platform and standard library (std::*_distribution is not portable).
#pragma once

#include <cstdint>
#include <vector>

namespace octet {

// SplitMix64 (Steele, Lea, Flood 2014): state += 0x9E3779B97F4A7C15, then two xor-shift-
// multiply rounds. Passes BigCrush; one 64-bit add per draw.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 24 random bits: exactly representable as float.
  float uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }
  // Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0, by the multiply-shift method (Lemire) on 32 bits;
  // the bias is below n / 2^32, negligible for data-set sizes.
  uint64_t below(uint64_t n) { return ((next_u64() >> 32) * n) >> 32; }

 private:
  uint64_t state_;
};

// Fisher-Yates shuffle of 0..n-1: for i = n-1 down to 1, swap(p[i], p[below(i+1)]).
std::vector<int64_t> shuffled_indices(int64_t n, Rng& rng);
// `count` distinct indices drawn from 0..n-1 without replacement: the first `count` entries of
// shuffled_indices(n, Rng(seed)), then sorted ascending. Throws octet::Error if count > n.
std::vector<int64_t> sample_indices(int64_t n, int64_t count, uint64_t seed);

}  // namespace octet
