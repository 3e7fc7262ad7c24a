// TensorRT's entropy (KL divergence) calibration on a Pow2Histogram (docs/quantization.md
// eq. 36-37).
//
// For each candidate cut i, P_i is the |x| histogram cut at i with every clipped count added to
// bin i-1, and Q_i merges hist[0, i) into L levels of i/L bins each (bin j in level
// floor(j L / i), as NVIDIA's pytorch-quantization splits them, rather than MXNet's integer
// i / L bins with the remainder in the last level, which makes every cut below 2L look nearly
// lossless) and spreads each level's count evenly over the bins where P_i is non-zero. P_i and
// Q_i then have the same support, so KL is finite without the smoothing MXNet applies, and it
// reduces to per-level sums (eq. 37): with prefix sums of h, h log h and of the non-zero count,
// each candidate costs O(128) instead of O(i).
#include <algorithm>
#include <cmath>
#include <limits>

#include "octet/histogram.h"

namespace octet {

namespace {

constexpr int kFirstCut = 128;  // the smallest candidate cut, as TensorRT
constexpr int kMaxCuts = 512;   // candidate cuts tried at most (see the stride below)

double xlogx(double v) { return v > 0.0 ? v * std::log(v) : 0.0; }

}  // namespace

ClipRange entropy_range(const Pow2Histogram& h, int levels) {
  // Exact zeros are left out: zero is on every grid (eq. 3), so they carry no information
  // about the threshold, and as a spike in bin 0 (half of a ReLU's outputs) Q would spread them
  // over the whole first level, which pushes the search to needlessly fine levels.
  std::vector<uint64_t> hist = h.abs();
  hist[0] -= h.zeros();
  int n_used = 0;
  for (int i = 0; i < Pow2Histogram::kBins; ++i)
    if (hist[static_cast<size_t>(i)] != 0) n_used = i + 1;
  ClipRange full{h.min(), h.max()};
  if (n_used < kFirstCut) return full;  // all zeros: every value fits any grid

  const size_t nb = static_cast<size_t>(n_used);
  std::vector<double> sum(nb + 1, 0.0), sum_xlogx(nb + 1, 0.0);
  std::vector<int> nonzero(nb + 1, 0);
  for (size_t j = 0; j < nb; ++j) {
    const double v = static_cast<double>(hist[j]);
    sum[j + 1] = sum[j] + v;
    sum_xlogx[j + 1] = sum_xlogx[j] + xlogx(v);
    nonzero[j + 1] = nonzero[j] + (hist[j] != 0);
  }
  const double total = sum[nb];
  double best_kl = std::numeric_limits<double>::infinity();
  int best_i = n_used;
  // At most kMaxCuts candidates, evenly strided (NVIDIA's calibrator has the same stride):
  // each costs L logarithms, and a finer step than (n_used - 128) / 512 bins, under 0.2% of
  // the range, does not change the clipping in any way that matters.
  const int stride = std::max(1, (n_used - kFirstCut + kMaxCuts - 1) / kMaxCuts);
  for (int i = kFirstCut; i <= n_used; i = (i < n_used && i + stride > n_used) ? n_used : i + stride) {
    const size_t iu = static_cast<size_t>(i);
    const double outliers = total - sum[iu];
    const double p_last = static_cast<double>(hist[iu - 1]) + outliers;
    const double p_xlogx = sum_xlogx[iu - 1] + xlogx(p_last);
    const bool last_gains_support = hist[iu - 1] == 0 && p_last > 0.0;
    double cross = 0.0;  // sum_j P_j log Q_j (eq. 37)
    bool finite = true;
    // Bin j < i belongs to level floor(j L / i) (numpy.digitize over linspace(0, i, L + 1), as
    // NVIDIA's calibrator): level l holds bins [ceil(l i / L), ceil((l + 1) i / L)).
    const int64_t i64 = i, n_levels = levels;
    for (int64_t level = 0; level < n_levels && finite; ++level) {
      const auto start = static_cast<size_t>((level * i64 + n_levels - 1) / n_levels);
      const auto stop = static_cast<size_t>(((level + 1) * i64 + n_levels - 1) / n_levels);
      if (start == stop) continue;
      double p_sum = sum[stop] - sum[start];
      const double q_sum = p_sum;  // Q merges the cut histogram, without the outliers
      int support = nonzero[stop] - nonzero[start];
      if (stop == iu) {
        p_sum += outliers;
        support += last_gains_support;
      }
      if (p_sum == 0.0) continue;
      if (q_sum == 0.0) finite = false;  // P > 0 where Q = 0: infinite divergence
      else cross += p_sum * std::log(q_sum / support);
    }
    if (!finite) continue;
    const double kl = (p_xlogx - cross) / total - std::log(total) + std::log(sum[iu]);
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  const double t = best_i * h.bin_width();
  return ClipRange{static_cast<float>(std::max<double>(h.min(), -t)),
                   static_cast<float>(std::min<double>(h.max(), t))};
}

}  // namespace octet

namespace octet {

int entropy_levels(const Pow2Histogram& h, const QuantSpec& spec) {
  if (spec.scheme == QScheme::kAffine && h.min() >= 0.0f) return spec.qmax - spec.qmin + 1;
  return 128;
}

}  // namespace octet
