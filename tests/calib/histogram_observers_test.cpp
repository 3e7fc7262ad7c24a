// The percentile, entropy, mse and auto observers and the moving-average observer: thresholds
// checked against independent (naive) computations in this file, order invariance, exact
// merging through JSON, and bad input (docs/quantization.md eq. 35-41).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "octet/error.h"
#include "octet/observer.h"
#include "octet/random.h"

namespace octet {
namespace {

constexpr int kB = Pow2Histogram::kBins;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

Tensor column(const std::vector<float>& x) {
  return Tensor::from<float>({static_cast<int64_t>(x.size()), 1}, x);
}

Pow2Histogram hist_of(const std::vector<float>& x) {
  Pow2Histogram h;
  h.add(x.data(), static_cast<int64_t>(x.size()));
  return h;
}

// Laplace(0, 1) by inverse CDF on a regular grid of probabilities (deterministic), with a few
// far outliers: the distribution where clipping pays.
std::vector<float> laplace_with_outliers(int n, bool relu) {
  std::vector<float> x;
  for (int i = 0; i < n; ++i) {
    const double u = (i + 0.5) / n - 0.5;
    const double v = -std::copysign(std::log(1 - 2 * std::fabs(u)), u);
    x.push_back(static_cast<float>(relu ? std::max(v, 0.0) : v));
  }
  x.push_back(40.0f);
  x.push_back(relu ? 0.0f : -25.0f);
  return x;
}

// Cauchy by inverse CDF on a regular grid: a heavy tail. With 256 levels the squared error of
// clipping its far values outweighs the rounding noise saved, so the MSE range keeps them.
std::vector<float> cauchy(int n, bool relu) {
  std::vector<float> x;
  for (int i = 0; i < n; ++i) {
    const double v = std::tan(3.141592653589793 * ((i + 0.5) / n - 0.5));
    x.push_back(static_cast<float>(relu ? std::max(v, 0.0) : v));
  }
  return x;
}

TEST(PercentileObserver, MatchesSortedRankAndBinEdges) {
  std::vector<float> x;
  for (int i = 1; i <= 10000; ++i) x.push_back(static_cast<float>(i));
  Rng rng(3);
  for (size_t i = x.size() - 1; i > 0; --i) std::swap(x[i], x[rng.below(i + 1)]);
  PercentileObserver obs("t", -1, ObserverOptions{99.0, QuantSpec::recommended_activation()});
  obs.observe(column(x));
  // Independently: rank ceil(0.99 * 10000) = 9900 of the sorted values, value 9900; the bins
  // are 16384 / 2048 = 8 wide, so it is in (9896, 9904]. The low side: rank 101, value 101,
  // bin (96, 104], lower edge 96.
  std::vector<float> sorted = x;
  std::sort(sorted.begin(), sorted.end());
  const float v_hi = sorted[9900 - 1], v_lo = sorted[101 - 1];
  const float w = 8.0f;
  EXPECT_EQ(obs.range().max[0], std::ceil(v_hi / w) * w);
  EXPECT_EQ(obs.range().min[0], (std::ceil(v_lo / w) - 1) * w);
  EXPECT_EQ(obs.range().max[0], 9904.0f);
  EXPECT_EQ(obs.range().min[0], 96.0f);
  // 100 keeps the exact extremes.
  PercentileObserver all("t", -1, ObserverOptions{100.0, QuantSpec::recommended_activation()});
  all.observe(column(x));
  EXPECT_EQ(all.range().max[0], 10000.0f);
  EXPECT_EQ(all.range().min[0], 1.0f);
  EXPECT_THROW(PercentileObserver("t", -1, ObserverOptions{0.0, {}}), Error);
  EXPECT_THROW(PercentileObserver("t", -1, ObserverOptions{100.5, {}}), Error);
}

// TensorRT's / MXNet's algorithm written out naively: explicit P and Q arrays for every
// candidate, KL summed term by term.
double naive_entropy_threshold(const Pow2Histogram& h, int levels) {
  std::vector<uint64_t> hist(kB);  // |x| without the exact zeros
  for (int i = 0; i < kB; ++i) hist[static_cast<size_t>(i)] = h.pos()[static_cast<size_t>(i)] + h.neg()[static_cast<size_t>(i)];
  int n_used = 0;
  for (int i = 0; i < kB; ++i)
    if (hist[static_cast<size_t>(i)]) n_used = i + 1;
  double best = std::numeric_limits<double>::infinity();
  int best_i = n_used;
  // Cuts 128, 128 + s, ..., and n_used, with s = ceil((n_used - 128) / 512).
  const int stride = std::max(1, (n_used - 128 + 511) / 512);
  std::vector<int> cuts;
  for (int i = 128; i < n_used; i += stride) cuts.push_back(i);
  cuts.push_back(n_used);
  for (int i : cuts) {
    std::vector<double> p(hist.begin(), hist.begin() + i);
    for (int j = i; j < kB; ++j) p[static_cast<size_t>(i - 1)] += static_cast<double>(hist[static_cast<size_t>(j)]);
    // Bin j goes to level floor(j L / i), as numpy.digitize(range(i), linspace(0, i, L+1)) - 1.
    std::vector<double> q(static_cast<size_t>(i), 0.0), level_sum(static_cast<size_t>(levels), 0.0);
    std::vector<int> level_nz(static_cast<size_t>(levels), 0);
    for (int j = 0; j < i; ++j) {
      const auto l = static_cast<size_t>(static_cast<int64_t>(j) * levels / i);
      level_sum[l] += static_cast<double>(hist[static_cast<size_t>(j)]);
      level_nz[l] += p[static_cast<size_t>(j)] != 0;
    }
    for (int j = 0; j < i; ++j) {
      const auto l = static_cast<size_t>(static_cast<int64_t>(j) * levels / i);
      if (p[static_cast<size_t>(j)] != 0) q[static_cast<size_t>(j)] = level_sum[l] / level_nz[l];
    }
    double sp = 0, sq = 0;
    for (int j = 0; j < i; ++j) sp += p[static_cast<size_t>(j)], sq += q[static_cast<size_t>(j)];
    double kl = 0;
    bool finite = true;
    for (int j = 0; j < i; ++j) {
      const double pj = p[static_cast<size_t>(j)] / sp, qj = q[static_cast<size_t>(j)] / sq;
      if (pj == 0) continue;
      if (qj == 0) finite = false;
      else kl += pj * std::log(pj / qj);
    }
    if (finite && kl < best - 1e-12) {
      best = kl;
      best_i = i;
    }
  }
  return best_i * h.bin_width();
}

TEST(EntropyObserver, ThresholdMatchesNaiveKlSearch) {
  for (bool relu : {false, true}) {
    const std::vector<float> x = laplace_with_outliers(20000, relu);
    EntropyObserver obs("t", -1);
    obs.observe(column(x));
    // ReLU-like data on the affine uint8 grid uses all 256 levels; signed data 128 (TensorRT).
    const int levels = relu ? 256 : 128;
    EXPECT_EQ(entropy_levels(hist_of(x), QuantSpec::recommended_activation()), levels);
    const double t = naive_entropy_threshold(hist_of(x), levels);
    EXPECT_EQ(obs.range().max[0], static_cast<float>(t)) << "relu " << relu;
    EXPECT_LT(obs.range().max[0], 20.0f);  // the outlier at 40 is clipped
    EXPECT_GT(obs.range().max[0], 4.0f);   // but not the bulk
    EXPECT_EQ(obs.range().min[0], relu ? 0.0f : -static_cast<float>(t));
  }
}

// The error model of eq. (38), written as a loop over bins, and the exhaustive search.
double naive_error(const Pow2Histogram& h, float lo, float hi, const QuantSpec& spec) {
  const QParams qp = qparams_from_range({lo}, {hi}, spec, "t");
  const double s = qp.scale[0], z = qp.zero_point[0], w = h.bin_width();
  const double a = s * (dtype_qmin(spec.dtype) - z), b = s * (dtype_qmax(spec.dtype) - z);
  double err = 0;
  for (int k = 0; k < kB; ++k) {
    const double m = (k + 0.5) * w;
    for (int side : {1, -1}) {
      const double c = static_cast<double>((side > 0 ? h.pos() : h.neg())[static_cast<size_t>(k)]);
      const double x = side * m;
      if (x > b) err += c * ((x - b) * (x - b) + w * w / 12);
      else if (x < a) err += c * ((x - a) * (x - a) + w * w / 12);
      else err += c * s * s / 12;
    }
  }
  return err / static_cast<double>(h.count());
}

TEST(MseObserver, MatchesExhaustiveNaiveSearch) {
  for (bool relu : {false, true}) {
    const std::vector<float> x = cauchy(3000, relu);
    const Pow2Histogram h = hist_of(x);
    const QuantSpec spec = QuantSpec::recommended_activation();
    // Candidates: 0 and the outer edge of every non-empty bin, clamped to the extremes.
    std::vector<float> los{std::max(h.min(), 0.0f)}, his{std::min(h.max(), 0.0f)};
    for (int k = 0; k < kB; ++k) {
      if (h.neg()[static_cast<size_t>(k)]) los.push_back(std::max(h.min(), static_cast<float>(-(k + 1) * h.bin_width())));
      if (h.pos()[static_cast<size_t>(k)]) his.push_back(std::min(h.max(), static_cast<float>((k + 1) * h.bin_width())));
    }
    double best = naive_error(h, h.min(), h.max(), spec);
    float best_lo = h.min(), best_hi = h.max();
    for (float lo : los)
      for (float hi : his) {
        const double e = naive_error(h, lo, hi, spec);
        if (e < best * (1 - 1e-12)) best = e, best_lo = lo, best_hi = hi;
      }
    MseObserver obs("t", -1);
    obs.observe(column(x));
    EXPECT_EQ(obs.range().min[0], best_lo) << "relu " << relu;
    EXPECT_EQ(obs.range().max[0], best_hi) << "relu " << relu;
    EXPECT_NEAR(histogram_quant_error(h, best_lo, best_hi, spec), best, best * 1e-9);
    EXPECT_LE(best, naive_error(h, h.min(), h.max(), spec));
  }
}

// 100,000 values spread over [0, 1] and one at 1.25: clipping the lone value costs at most
// 0.25^2 / N = 6.2e-7, while shrinking the step from 1.25/255 to 1/255 saves
// (1.25^2 - 1) / 255^2 / 12 = 7.2e-7 per value, so the MSE range clips it (and keeps the bulk).
TEST(MseObserver, ClipsARareNearOutlier) {
  std::vector<float> x;
  for (int i = 0; i < 100000; ++i) x.push_back((static_cast<float>(i) + 0.5f) / 100000.0f);
  x.push_back(1.25f);
  MseObserver obs("t", -1);
  obs.observe(column(x));
  EXPECT_LT(obs.range().max[0], 1.25f);
  EXPECT_GE(obs.range().max[0], 1.0f);
  AutoObserver autob("t", -1);
  autob.observe(column(x));
  EXPECT_NE(autob.describe_choice(QuantSpec::recommended_activation()), "auto: minmax");
}

TEST(MseObserver, SymmetricGridSearchesTheMagnitude) {
  const std::vector<float> x = cauchy(3000, false);
  MseObserver obs("t", -1);
  obs.observe(column(x));
  const QuantSpec sym = QuantSpec::torch_default(DType::kU8, QScheme::kSymmetric);
  const QParams qp = obs.qparams(sym);
  EXPECT_EQ(qp.zero_point[0], 128);
  const float amax = std::max(-x.front(), x.back());
  // The chosen magnitude is the best of every |x| bin edge (checked naively).
  const Pow2Histogram h = hist_of(x);
  const std::vector<uint64_t> a = h.abs();
  double best = naive_error(h, h.min(), h.max(), sym);
  float best_lo = h.min(), best_hi = h.max();
  for (int k = 0; k < kB; ++k) {
    if (!a[static_cast<size_t>(k)]) continue;
    const float t = std::min(amax, static_cast<float>((k + 1) * h.bin_width()));
    const float lo = std::max(h.min(), -t), hi = std::min(h.max(), t);
    const double e = naive_error(h, lo, hi, sym);
    if (e < best * (1 - 1e-12)) best = e, best_lo = lo, best_hi = hi;
  }
  EXPECT_EQ(qp.scale[0], qparams_from_range({best_lo}, {best_hi}, sym, "t").scale[0]);
}

TEST(AutoObserver, PicksTheLowestErrorCandidateAndSaysWhich) {
  std::vector<float> x = laplace_with_outliers(5000, true);
  x.back() = 12.0f;
  const Pow2Histogram h = hist_of(x);
  const QuantSpec spec = QuantSpec::recommended_activation();
  const std::pair<std::string, ClipRange> c[] = {{"minmax", {h.min(), h.max()}},
                                                 {"percentile", percentile_range(h, 99.99)},
                                                 {"entropy", entropy_range(h)},
                                                 {"mse", mse_range(h, spec)}};
  size_t best = 0;
  for (size_t i = 1; i < 4; ++i)
    if (histogram_quant_error(h, c[i].second.lo, c[i].second.hi, spec) <
        histogram_quant_error(h, c[best].second.lo, c[best].second.hi, spec))
      best = i;
  AutoObserver obs("t", -1);
  obs.observe(column(x));
  EXPECT_EQ(obs.range().max[0], c[best].second.hi);
  EXPECT_EQ(obs.describe_choice(spec), "auto: " + c[best].first);
}

// Every histogram method: batch order and size do not change a bit; shards written to JSON,
// read back and merged give the one-pass statistics and qparams.
TEST(HistogramObservers, OrderInvariantAndShardsMergeExactlyThroughJson) {
  Rng rng(21);
  std::vector<Tensor> batches;
  for (int b = 0; b < 12; ++b) {
    Tensor t(DType::kF32, {6, 3, 4});
    for (float& v : t.values<float>()) v = rng.uniform(-1.0f, 3.0f) * static_cast<float>(b + 1);
    batches.push_back(std::move(t));
  }
  for (const std::string method : {"percentile", "entropy", "mse", "auto"}) {
    for (int axis : {-1, 1}) {
      const QuantSpec spec = axis < 0 ? QuantSpec::recommended_activation()
                                      : QuantSpec::per_channel_weight(1);
      auto one = make_observer(method, "x", axis);
      for (const Tensor& b : batches) one->observe(b);
      // Reverse order, and the same values re-batched as 72 single samples.
      auto reversed = make_observer(method, "x", axis);
      for (size_t b = batches.size(); b-- > 0;) {
        for (int64_t r = 0; r < 6; ++r) {
          Tensor row(DType::kF32, {1, 3, 4});
          std::memcpy(row.data<float>(), batches[b].data<float>() + r * 12, 12 * sizeof(float));
          reversed->observe(row);
        }
      }
      EXPECT_EQ(reversed->to_json(), one->to_json()) << method << " axis " << axis;
      // Four shards through JSON text, merged.
      std::unique_ptr<Observer> merged = make_observer(method, "x", axis);
      for (int s = 0; s < 4; ++s) {
        auto shard = make_observer(method, "x", axis);
        for (size_t b = static_cast<size_t>(s); b < batches.size(); b += 4) shard->observe(batches[b]);
        merged->merge(*Observer::from_json(nlohmann::json::parse(shard->to_json().dump()), "s.json"));
      }
      EXPECT_EQ(merged->to_json(), one->to_json()) << method << " axis " << axis;
      const QParams a = merged->qparams(spec), b = one->qparams(spec);
      ASSERT_EQ(a.scale.size(), b.scale.size());
      for (size_t c = 0; c < a.scale.size(); ++c) {
        EXPECT_EQ(bits(a.scale[c]), bits(b.scale[c])) << method;
        EXPECT_EQ(a.zero_point[c], b.zero_point[c]) << method;
      }
      EXPECT_EQ(Observer::from_json(one->to_json(), "r.json")->to_json().dump(), one->to_json().dump());
    }
  }
}

TEST(HistogramObservers, BadInputConstantAndEmpty) {
  for (const std::string method : {"moving-average", "percentile", "entropy", "mse", "auto"}) {
    auto obs = make_observer(method, "fc1.out");
    obs->observe(column(std::vector<float>(5, 1.0f)));
    std::vector<float> bad(4, 1.0f);
    bad[2] = std::numeric_limits<float>::quiet_NaN();
    const std::string msg = error_of([&] { obs->observe(column(bad)); });
    EXPECT_NE(msg.find("'fc1.out'"), std::string::npos) << method << ": " << msg;
    EXPECT_NE(msg.find("sample 7"), std::string::npos) << method << ": " << msg;
    // Constant 3: every method keeps [3, 3] (widened to [0, 3] by eq. 4).
    auto constant = make_observer(method, "c");
    constant->observe(column(std::vector<float>(100, 3.0f)));
    EXPECT_EQ(constant->range().min[0], 3.0f) << method;
    EXPECT_EQ(constant->range().max[0], 3.0f) << method;
    // All zeros: a zero range, the scale falls back to eps with a report.
    auto zeros = make_observer(method, "z");
    zeros->observe(column(std::vector<float>(10, 0.0f)));
    std::vector<int64_t> eps;
    zeros->qparams(QuantSpec::recommended_activation(), &eps);
    EXPECT_EQ(eps.size(), 1u) << method;
    // Nothing observed: the clear error.
    auto empty = make_observer(method, "e");
    empty->observe(Tensor(DType::kF32, {0, 3}));
    EXPECT_EQ(error_of([&] { empty->range(); }), "tensor 'e': no calibration samples");
  }
}

TEST(HistogramObservers, RejectsMalformedJsonAndMismatchedMerges) {
  PercentileObserver obs("x", -1);
  obs.observe(column({1.0f, 2.0f}));
  nlohmann::json j = obs.to_json();
  j["histograms"][0]["pos"].erase(0);
  EXPECT_NE(error_of([&] { Observer::from_json(j, "s.json"); }).find("s.json"), std::string::npos);
  j = obs.to_json();
  j["histograms"][0]["pos"][5] = -3;
  EXPECT_NE(error_of([&] { Observer::from_json(j, "s.json"); }).find("'pos'"), std::string::npos);
  j = obs.to_json();
  j["histograms"][0]["exponent"] = -4;  // values up to 2 cannot fit [-1/16, 1/16]
  EXPECT_NE(error_of([&] { Observer::from_json(j, "s.json"); }).find("inconsistent"),
            std::string::npos);
  PercentileObserver other("x", -1, ObserverOptions{99.0, {}});
  other.observe(column({1.0f}));
  EXPECT_NE(error_of([&] { obs.merge(other); }).find("percentile"), std::string::npos);
}

TEST(MovingAverageObserver, FollowsTorchEmaAndRefusesToMerge) {
  MovingAverageObserver obs("x");
  obs.observe(column({0.0f, 1.0f}));
  obs.observe(column({-1.0f, 3.0f}));
  // torch: min = 0 + 0.01 * (-1 - 0), max = 1 + 0.01 * (3 - 1), in float32.
  EXPECT_EQ(obs.range().min[0], 0.0f + 0.01f * (-1.0f - 0.0f));
  EXPECT_EQ(obs.range().max[0], 1.0f + 0.01f * (3.0f - 1.0f));
  // Order matters, by design.
  MovingAverageObserver swapped("x");
  swapped.observe(column({-1.0f, 3.0f}));
  swapped.observe(column({0.0f, 1.0f}));
  EXPECT_NE(swapped.range().max[0], obs.range().max[0]);
  EXPECT_NE(error_of([&] { obs.merge(swapped); }).find("order"), std::string::npos);
  MovingAverageObserver empty("x");
  empty.merge(obs);  // into an empty observer: exact
  EXPECT_EQ(empty.to_json(), obs.to_json());
  EXPECT_EQ(Observer::from_json(obs.to_json(), "m.json")->to_json(), obs.to_json());
}

}  // namespace
}  // namespace octet
