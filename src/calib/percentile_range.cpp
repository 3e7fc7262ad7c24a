// The percentile clipping range from a Pow2Histogram (docs/quantization.md eq. 35).
#include <algorithm>
#include <cmath>

#include "octet/histogram.h"

namespace octet {

namespace {

// The value bounds [lower, upper] of the bin holding the value of 1-based ascending rank `k`.
// Signed order: negative bins from the most negative, the zeros, then the positive bins.
std::pair<double, double> bin_of_rank(const Pow2Histogram& h, uint64_t k) {
  const double w = h.bin_width();
  uint64_t seen = 0;
  for (int i = Pow2Histogram::kBins - 1; i >= 0; --i) {
    seen += h.neg()[static_cast<size_t>(i)];
    if (seen >= k) return {-(i + 1) * w, -i * w};
  }
  seen += h.zeros();
  if (seen >= k) return {0.0, 0.0};
  for (int i = 0; i < Pow2Histogram::kBins; ++i) {
    seen += h.pos()[static_cast<size_t>(i)];
    if (seen >= k) return {i * w, (i + 1) * w};
  }
  return {h.max(), h.max()};  // unreachable for k <= count()
}

}  // namespace

ClipRange percentile_range(const Pow2Histogram& h, double percentile) {
  const uint64_t n = h.count();
  // Rank of the P-th percentile, at least 1; the lower bound mirrors it from the top.
  const auto k_hi = std::clamp<uint64_t>(
      static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(n))), 1, n);
  const uint64_t k_lo = n + 1 - k_hi;
  const double hi = bin_of_rank(h, k_hi).second;
  const double lo = bin_of_rank(h, k_lo).first;
  ClipRange r;
  r.hi = static_cast<float>(std::min<double>(h.max(), hi));
  r.lo = static_cast<float>(std::max<double>(h.min(), lo));
  return r;
}

}  // namespace octet
