// Pow2Histogram: nested power-of-two bins, coarsened exactly as the range grows (eq. 33-34).
#include "octet/histogram.h"

#include <algorithm>
#include <cmath>

#include "octet/error.h"

namespace octet {

int pow2_exponent_at_least(double v) {
  int k = 0;
  const double m = std::frexp(v, &k);  // v = m 2^k, m in [0.5, 1)
  return m == 0.5 ? k - 1 : k;
}

double Pow2Histogram::bin_width() const { return std::ldexp(1.0, exponent_ - kLogBins); }

uint64_t Pow2Histogram::count() const {
  uint64_t n = zeros_;
  for (int i = 0; i < kBins; ++i) n += pos_[i] + neg_[i];
  return n;
}

std::vector<uint64_t> Pow2Histogram::abs() const {
  std::vector<uint64_t> a(kBins);
  for (int i = 0; i < kBins; ++i) a[i] = pos_[i] + neg_[i];
  a[0] += zeros_;
  return a;
}

void Pow2Histogram::coarsen_to(int e) {
  // Each step sums bins (2k, 2k+1) into bin k: the edges nest, so no count moves anywhere else.
  // After kLogBins steps every count is in bin 0, where further steps keep it.
  const int steps = std::min(e - exponent_, kLogBins + 1);
  for (std::vector<uint64_t>* half : {&neg_, &pos_}) {
    std::vector<uint64_t>& h = *half;
    for (int s = 0; s < steps; ++s) {
      for (int k = 0; k < kBins / 2; ++k) h[k] = h[2 * k] + h[2 * k + 1];
      std::fill(h.begin() + kBins / 2, h.end(), 0);
    }
  }
  exponent_ = e;
}

void Pow2Histogram::add(const float* x, int64_t n, int64_t stride) {
  if (n <= 0) return;
  float lo = any_ ? min_ : x[0], hi = any_ ? max_ : x[0];
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i * stride] == 0.0f ? 0.0f : x[i * stride];  // -0.0 -> +0.0
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  lo = lo == 0.0f ? 0.0f : lo;
  hi = hi == 0.0f ? 0.0f : hi;
  min_ = lo;
  max_ = hi;
  any_ = true;
  const double amax = std::max(-static_cast<double>(lo), static_cast<double>(hi));
  if (amax > 0.0) {
    const int e = pow2_exponent_at_least(amax);
    if (!has_range_) {
      has_range_ = true;
      exponent_ = e;
    } else if (e > exponent_) {
      coarsen_to(e);
    }
  }
  // Bin of |x| > 0: ceil(|x| / w) - 1. |x| / w is a float scaled by a power of two, exact in
  // double for every float32 (no overflow or underflow there), so the bin is exact.
  const double inv_w = std::ldexp(1.0, kLogBins - exponent_);
  if (n < kBins) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i * stride];
      if (v == 0.0f) {
        ++zeros_;
        continue;
      }
      const double t = std::fabs(static_cast<double>(v)) * inv_w;  // in (0, kBins], exact
      const auto k = static_cast<int>(t);                          // floor: t > 0
      const int bin = static_cast<double>(k) == t ? k - 1 : k;     // ceil(t) - 1
      ++(v > 0.0f ? pos_ : neg_)[static_cast<size_t>(bin)];
    }
    return;
  }
  // Long runs (activations): one branch-free signed index per value into a local count array,
  // idx = kBins + sign(x) ceil(|x| / w), so negatives land in [0, kBins), zeros at kBins and
  // positives in (kBins, 2 kBins]; then folded into the halves. The same bins as above.
  std::vector<uint64_t> counts(2 * kBins + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i * stride];
    const double t = std::fabs(static_cast<double>(v)) * inv_w;
    const auto k = static_cast<int>(t);
    const int c = k + (static_cast<double>(k) < t);  // ceil(t); 0 for a zero
    ++counts[static_cast<size_t>(kBins + (v < 0.0f ? -c : c))];
  }
  zeros_ += counts[kBins];
  for (int b = 0; b < kBins; ++b) {
    neg_[static_cast<size_t>(b)] += counts[static_cast<size_t>(kBins - 1 - b)];
    pos_[static_cast<size_t>(b)] += counts[static_cast<size_t>(kBins + 1 + b)];
  }
}

void Pow2Histogram::merge(const Pow2Histogram& other) {
  if (!other.any_) return;
  if (!any_) {
    *this = other;
    return;
  }
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  zeros_ += other.zeros_;
  if (!other.has_range_) return;  // only zeros there
  Pow2Histogram o = other;
  if (!has_range_) {
    has_range_ = true;
    exponent_ = o.exponent_;
  }
  const int e = std::max(exponent_, o.exponent_);
  if (exponent_ < e) coarsen_to(e);
  if (o.exponent_ < e) o.coarsen_to(e);
  for (int i = 0; i < kBins; ++i) {
    pos_[i] += o.pos_[i];
    neg_[i] += o.neg_[i];
  }
}

Pow2Histogram Pow2Histogram::from_parts(bool has_range, int exponent, uint64_t zeros, float min,
                                        float max, std::vector<uint64_t> neg,
                                        std::vector<uint64_t> pos, const std::string& where) {
  if (neg.size() != static_cast<size_t>(kBins) || pos.size() != static_cast<size_t>(kBins))
    fail("{}: histogram halves have {} and {} bins, expected {}", where, neg.size(), pos.size(),
         kBins);
  if (!std::isfinite(min) || !std::isfinite(max) || min > max)
    fail("{}: histogram range [{}, {}] is not a finite min <= max", where, min, max);
  if (exponent < -160 || exponent > 130) fail("{}: histogram exponent {} is invalid", where, exponent);
  Pow2Histogram h;
  h.has_range_ = has_range;
  h.exponent_ = has_range ? exponent : 0;
  h.zeros_ = zeros;
  h.neg_ = std::move(neg);
  h.pos_ = std::move(pos);
  h.any_ = h.count() > 0;
  h.min_ = min == 0.0f ? 0.0f : min;
  h.max_ = max == 0.0f ? 0.0f : max;
  const bool nonzero = h.count() > zeros;
  if (nonzero != has_range || (has_range && (h.max_ > std::ldexp(1.0, exponent) ||
                                             -h.min_ > std::ldexp(1.0, exponent))))
    fail("{}: histogram counts, exponent {} and range [{}, {}] are inconsistent", where, exponent,
         min, max);
  return h;
}

}  // namespace octet
