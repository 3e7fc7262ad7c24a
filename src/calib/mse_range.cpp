// The MSE range search on a Pow2Histogram (docs/quantization.md eq. 38-39).
//
// The error of a candidate grid has a closed form over prefix sums (count, sum of bin centres,
// sum of squared centres plus the in-bin variance w^2/12), so each candidate costs O(1) and the
// search can try every pair of bin edges instead of PyTorch's greedy descent, which stops at
// the first local minimum of its error curve.
#include <algorithm>
#include <cmath>
#include <limits>

#include "octet/histogram.h"

namespace octet {

namespace {

// Prefix sums over one half's bins (by magnitude index): count, centre, centre^2 + w^2/12.
struct HalfSums {
  std::vector<double> n, m1, m2;
  HalfSums(const std::vector<uint64_t>& bins, double w) : n(bins.size() + 1), m1(n), m2(n) {
    for (size_t k = 0; k < bins.size(); ++k) {
      const double c = static_cast<double>(bins[k]);
      const double m = (static_cast<double>(k) + 0.5) * w;
      n[k + 1] = n[k] + c;
      m1[k + 1] = m1[k] + c * m;
      m2[k + 1] = m2[k] + c * (m * m + w * w / 12.0);
    }
  }
  // Bins whose centre lies beyond `bound` (>= 0) in magnitude: index of the first one.
  size_t first_beyond(double bound, double w) const {
    const double k = std::floor(bound / w - 0.5) + 1.0;
    return static_cast<size_t>(std::clamp(k, 0.0, static_cast<double>(n.size() - 1)));
  }
  // sum over bins k >= from of count * E[(|x| - bound)^2].
  double tail_error(size_t from, double bound) const {
    const size_t end = n.size() - 1;
    return (m2[end] - m2[from]) - 2.0 * bound * (m1[end] - m1[from]) +
           bound * bound * (n[end] - n[from]);
  }
};

// Scale and zero point of eq. (4)-(7) for one range, in float32 as qparams_from_range computes
// them (without its checks and allocations: the search calls this for every candidate; the
// chosen range goes through qparams_from_range itself).
void grid_of(float lo, float hi, const QuantSpec& spec, float& scale, int32_t& zero_point) {
  const float min_neg = std::min(lo, 0.0f), max_pos = std::max(hi, 0.0f);
  if (spec.scheme == QScheme::kSymmetric) {
    const float half_range = static_cast<float>(static_cast<double>(spec.qmax - spec.qmin) / 2);
    scale = std::max(-min_neg, max_pos) / half_range;
    zero_point = spec.dtype == DType::kU8 ? (spec.custom_range ? (spec.qmin + spec.qmax) / 2 : 128)
                                          : 0;
  } else {
    scale = (max_pos - min_neg) / static_cast<float>(spec.qmax - spec.qmin);
    zero_point = 0;
  }
  scale = std::max(scale, std::numeric_limits<float>::epsilon());
  if (spec.scheme == QScheme::kAffine)
    zero_point = std::clamp(spec.qmin - static_cast<int32_t>(std::nearbyint(min_neg / scale)),
                            spec.qmin, spec.qmax);
}

struct ErrorModel {
  const Pow2Histogram& h;
  HalfSums neg, pos;
  double w, total;
  explicit ErrorModel(const Pow2Histogram& hist)
      : h(hist), neg(hist.neg(), hist.bin_width()), pos(hist.pos(), hist.bin_width()),
        w(hist.bin_width()), total(static_cast<double>(hist.count())) {}

  double error(float lo, float hi, const QuantSpec& spec) const {
    float s;
    int32_t z;
    grid_of(lo, hi, spec, s, z);
    // Quantizing saturates to the dtype's range (eq. 2): the grid reaches [a, b].
    const double a = static_cast<double>(s) * (dtype_qmin(spec.dtype) - z);
    const double b = static_cast<double>(s) * (dtype_qmax(spec.dtype) - z);
    const size_t kb = pos.first_beyond(b, w), ka = neg.first_beyond(-a, w);
    const double clipped = pos.tail_error(kb, b) + neg.tail_error(ka, -a);
    const double rounded = (pos.n[kb] + neg.n[ka]) * static_cast<double>(s) * s / 12.0;
    return (clipped + rounded) / total;
  }
};

// Candidate bounds on one side: 0 (clip the whole half; the exact extreme when the data has no
// value on that side) and the outer edge of every non-empty bin, clamped to the extreme.
std::vector<float> side_candidates(const std::vector<uint64_t>& bins, double w, float extreme,
                                   double sign) {
  std::vector<float> c{sign > 0 ? std::min(extreme, 0.0f) : std::max(extreme, 0.0f)};
  for (size_t k = 0; k < bins.size(); ++k) {
    if (bins[k] == 0) continue;
    const double edge = sign * (static_cast<double>(k) + 1.0) * w;
    c.push_back(static_cast<float>(sign > 0 ? std::min<double>(extreme, edge)
                                            : std::max<double>(extreme, edge)));
  }
  return c;
}

}  // namespace

double histogram_quant_error(const Pow2Histogram& h, float lo, float hi, const QuantSpec& spec) {
  return ErrorModel(h).error(lo, hi, spec);
}

ClipRange mse_range(const Pow2Histogram& h, const QuantSpec& spec) {
  ClipRange best{h.min(), h.max()};
  if (!h.has_range()) return best;  // all zeros
  const ErrorModel model(h);
  const double w = h.bin_width();
  double best_err = model.error(best.lo, best.hi, spec);
  const auto consider = [&](float lo, float hi) {
    const double err = model.error(lo, hi, spec);
    if (err < best_err) {
      best_err = err;
      best = ClipRange{lo, hi};
    }
  };
  if (spec.scheme == QScheme::kSymmetric) {
    // Only T = max(|lo|, |hi|) shapes a symmetric grid: search T over the |x| bin edges.
    const std::vector<uint64_t> a = h.abs();
    const float amax = std::max(-h.min(), h.max());
    for (const float t : side_candidates(a, w, amax, 1.0))
      consider(std::max(h.min(), -t), std::min(h.max(), t));
    return best;
  }
  const std::vector<float> los = side_candidates(h.neg(), w, h.min(), -1.0);
  const std::vector<float> his = side_candidates(h.pos(), w, h.max(), 1.0);
  for (const float lo : los)
    for (const float hi : his) consider(lo, hi);
  return best;
}

}  // namespace octet
