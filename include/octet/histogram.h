// Pow2Histogram: a streaming, exactly mergeable histogram of one channel's values, the statistic
// behind the percentile, entropy, MSE and auto observers (docs/quantization.md §16-20, eq. 33-39).
//
// Why this design. A histogram whose bin edges follow the running range (PyTorch's
// HistogramObserver) must re-bin when the range grows, which spreads counts by interpolation:
// the result depends on the batch order and the batch size, and shards cannot be merged
// exactly. Here the bins are nested: the range of a channel is [-2^e, 2^e] with 2^e the smallest
// power of two >= max|x| seen, each half cut into kBins bins of width w = 2^e / kBins. When a
// larger value arrives, e grows and adjacent bin pairs are summed: (2k w, (2k+1) w] and
// ((2k+1) w, (2k+2) w] are exactly the new bin (k w', (k+1) w'], w' = 2w. Counts stay integers,
// no value changes bin other than by that nesting, so the final histogram is the histogram of
// the multiset of values at the final exponent: it does not depend on order, batch size or
// sharding, and merging two histograms (coarsen both to the larger exponent, add counts) equals
// one pass. Resolution is never lost silently: max|x| lies in (2^(e-1), 2^e], so at least
// kBins / 2 bins always span the observed range, whatever the order the values came in.
// Memory: 2 * kBins counters per channel, independent of the number of samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace octet {

class Pow2Histogram {
 public:
  static constexpr int kLogBins = 11;
  static constexpr int kBins = 1 << kLogBins;  // per half: 2048, the bins TensorRT's entropy uses

  // Adds `n` values (finite; checked by the observer) read with stride `stride`.
  void add(const float* x, int64_t n, int64_t stride = 1);
  // Adds the counts of `other` (exact; eq. 34).
  void merge(const Pow2Histogram& other);

  // Values seen: zeros + every bin count.
  uint64_t count() const;
  bool empty() const { return count() == 0; }
  // Whether any non-zero value was seen (otherwise exponent() is meaningless).
  bool has_range() const { return has_range_; }
  // e: the bins cover [-2^e, 2^e].
  int exponent() const { return exponent_; }
  // Bin width 2^e / kBins, in double (exact).
  double bin_width() const;
  // Exact extremes (-0.0 recorded as +0.0).
  float min() const { return min_; }
  float max() const { return max_; }
  // Exactly-zero values (a point mass: 0 is on every grid, eq. 3).
  uint64_t zeros() const { return zeros_; }
  // pos()[i]: values x with i w < x <= (i + 1) w; neg()[i]: values with i w < -x <= (i + 1) w.
  const std::vector<uint64_t>& pos() const { return pos_; }
  const std::vector<uint64_t>& neg() const { return neg_; }
  // |x|: abs()[i] = pos()[i] + neg()[i], with the zeros added to bin 0 (TensorRT's histogram).
  std::vector<uint64_t> abs() const;

  // Rebuilds a histogram from its parts (from JSON). Throws octet::Error naming `where` when
  // they are inconsistent (bin counts not kBins, min > max, a value outside the bins).
  static Pow2Histogram from_parts(bool has_range, int exponent, uint64_t zeros, float min,
                                  float max, std::vector<uint64_t> neg, std::vector<uint64_t> pos,
                                  const std::string& where);

  bool operator==(const Pow2Histogram&) const = default;

 private:
  // Sums adjacent bin pairs until the exponent is `e` (>= exponent_).
  void coarsen_to(int e);

  bool has_range_ = false;
  int exponent_ = 0;
  uint64_t zeros_ = 0;
  float min_ = 0.0f, max_ = 0.0f;  // valid once count() > 0
  bool any_ = false;
  std::vector<uint64_t> neg_ = std::vector<uint64_t>(kBins, 0);
  std::vector<uint64_t> pos_ = std::vector<uint64_t>(kBins, 0);
};

// The smallest e with 2^e >= v, for a finite v > 0 (eq. 33).
int pow2_exponent_at_least(double v);

}  // namespace octet

#include "octet/qparams.h"

namespace octet {

// A clipping range [lo, hi] chosen from a histogram (lo <= hi, inside [min, max]).
struct ClipRange {
  float lo = 0.0f, hi = 0.0f;
};

// The P-th percentile range (eq. 35): hi = the upper edge of the bin holding the value of rank
// ceil(P/100 N) (ascending), lo = the lower edge of the bin holding the value of rank
// N + 1 - ceil(P/100 N), both clamped to the exact [min, max]. percentile in (0, 100].
// Precondition: !h.empty().
ClipRange percentile_range(const Pow2Histogram& h, double percentile);

// TensorRT's entropy calibration (eq. 36-37) on the histogram of |x|: the threshold T = i w,
// i in [128, last non-empty bin + 1], minimizing KL(P_i || Q_i), where P_i is the histogram cut
// at i with the clipped counts added to its last bin and Q_i is P_i merged into `levels`
// levels and expanded back over P_i's non-zero bins. Returns [max(min, -T), min(max, T)]; the
// full range when fewer than 128 bins are in use. Precondition: !h.empty(), levels >= 1.
ClipRange entropy_range(const Pow2Histogram& h, int levels = 128);
// The levels entropy_range should model for `spec` (eq. 36): 128 magnitude levels (TensorRT's
// int8 symmetric grid), or qmax - qmin + 1 when the values are all >= 0 and the grid is affine
// (all of it then covers [0, T]; NVIDIA's calibrator does the same for unsigned tensors).
int entropy_levels(const Pow2Histogram& h, const QuantSpec& spec);

// The mean squared quantization error (dequantized domain) of the histogram's values on the
// grid that qparams_from_range({lo}, {hi}, spec) gives (eq. 38): a value clipped beyond the
// grid's saturation bound b costs (x - b)^2, with x uniform in its bin; an unclipped non-zero
// value costs s^2 / 12 (rounding noise); zeros cost nothing (eq. 3). spec: per-tensor.
double histogram_quant_error(const Pow2Histogram& h, float lo, float hi, const QuantSpec& spec);

// The range minimizing histogram_quant_error over every pair of bin edges (clamped to the exact
// [min, max]) around 0 (eq. 39): an exhaustive search, not a descent that stops at the first
// local minimum. For a symmetric spec only max(|lo|, |hi|) matters, and the search is over it.
// Precondition: !h.empty().
ClipRange mse_range(const Pow2Histogram& h, const QuantSpec& spec);

}  // namespace octet
