// MinMaxObserver: running min/max per tensor and per channel, exact shard merging, JSON round
// trips, and the errors a user sees (docs/quantization.md eq. 16).
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "octet/error.h"
#include "octet/observer.h"
#include "octet/random.h"

namespace octet {
namespace {

Tensor random_tensor(Shape shape, Rng& rng, float scale) {
  Tensor t(DType::kF32, std::move(shape));
  for (float& v : t.values<float>()) v = rng.uniform(-scale, scale);
  return t;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Bit-level equality, so that -0.0 vs 0.0 or any rounding difference would show.
void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    uint32_t ua, ub;
    std::memcpy(&ua, &a[i], 4);
    std::memcpy(&ub, &b[i], 4);
    EXPECT_EQ(ua, ub) << "index " << i << ": " << a[i] << " vs " << b[i];
  }
}

TEST(MinMaxObserver, TracksRunningMinMaxPerTensor) {
  MinMaxObserver obs("x");
  obs.observe(Tensor::from<float>({2, 2}, std::vector<float>{1.0f, -2.0f, 0.5f, 3.0f}));
  obs.observe(Tensor::from<float>({1, 2}, std::vector<float>{-2.5f, 0.0f}));
  obs.observe(Tensor(DType::kF32, {0, 2}));  // empty: ignored, as in PyTorch
  const ObservedRange r = obs.range();
  EXPECT_EQ(r.min, std::vector<float>{-2.5f});
  EXPECT_EQ(r.max, std::vector<float>{3.0f});
  EXPECT_EQ(obs.n_samples(), 3);
  EXPECT_EQ(obs.n_channels(), 1);
  EXPECT_EQ(obs.method(), "minmax");
}

// torch: o = PerChannelMinMaxObserver(ch_axis=1, dtype=torch.qint8,
//   qscheme=torch.per_channel_symmetric); o(x) for the tensor below gives min_val
//   [-4.0, -0.5, -0.0], max_val [1.0, 0.75, 3.0] and scales
//   ['0x1.0101020000000p-5', '0x1.8181820000000p-8', '0x1.8181820000000p-6'].
TEST(MinMaxObserver, PerChannelMatchesTorch) {
  const std::vector<float> x = {1.0f,  -2.0f,  0.5f,  0.25f, -0.0f, 3.0f,
                                -4.0f, 0.125f, 0.75f, -0.5f, 2.0f,  1.0f};
  MinMaxObserver obs("conv1.weight", 1);
  obs.observe(Tensor::from<float>({2, 3, 2}, x));
  const ObservedRange r = obs.range();
  EXPECT_EQ(r.min, (std::vector<float>{-4.0f, -0.5f, 0.0f}));
  EXPECT_EQ(r.max, (std::vector<float>{1.0f, 0.75f, 3.0f}));
  const QParams qp = obs.qparams(QuantSpec::per_channel_weight(1));
  EXPECT_EQ(qp.scale, (std::vector<float>{0x1.0101020000000p-5f, 0x1.8181820000000p-8f,
                                          0x1.8181820000000p-6f}));
  EXPECT_EQ(qp.zero_point, (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ(qp.axis, 1);
}

TEST(MinMaxObserver, MergeOfShardsEqualsOnePass) {
  for (int axis : {-1, 0, 1}) {
    Rng rng(11 + static_cast<uint64_t>(axis + 1));
    std::vector<Tensor> batches;
    for (int b = 0; b < 10; ++b)
      batches.push_back(random_tensor({7, 5}, rng, 0.1f + static_cast<float>(b)));
    batches[3].data<float>()[4] = -0.0f;  // signed zeros must not make the result order-dependent
    batches[8].data<float>()[4] = 0.0f;

    MinMaxObserver one_pass("x", axis), first("x", axis), second("x", axis);
    for (int b = 0; b < 10; ++b) {
      one_pass.observe(batches[static_cast<size_t>(b)]);
      (b < 4 ? first : second).observe(batches[static_cast<size_t>(b)]);
    }
    MinMaxObserver merged_ab = first, merged_ba = second;
    merged_ab.merge(second);
    merged_ba.merge(first);
    for (const MinMaxObserver* m : {&merged_ab, &merged_ba}) {
      expect_same_bits(m->range().min, one_pass.range().min);
      expect_same_bits(m->range().max, one_pass.range().max);
      EXPECT_EQ(m->n_samples(), 70);
      EXPECT_EQ(m->to_json(), one_pass.to_json());
    }
    // An empty shard changes nothing, on either side.
    MinMaxObserver empty("x", axis), copy = one_pass;
    copy.merge(empty);
    empty.merge(one_pass);
    EXPECT_EQ(copy.to_json(), one_pass.to_json());
    EXPECT_EQ(empty.to_json(), one_pass.to_json());
  }
}

TEST(MinMaxObserver, JsonRoundTripIsBitExact) {
  MinMaxObserver obs("fc2.out", 0);
  // Values whose shortest decimal forms are long, plus subnormals and extremes.
  const std::vector<float> x = {0.1f,
                                -0.3f,
                                1.0f / 3.0f,
                                -std::numeric_limits<float>::denorm_min(),
                                std::numeric_limits<float>::max(),
                                -1e-38f,
                                7e-45f,
                                -123456.789f};
  obs.observe(Tensor::from<float>({4, 2}, x));
  const std::string text = obs.to_json().dump();
  const std::unique_ptr<Observer> back =
      Observer::from_json(nlohmann::json::parse(text), "shard0.json");
  EXPECT_EQ(back->method(), "minmax");
  EXPECT_EQ(back->tensor_name(), "fc2.out");
  EXPECT_EQ(back->channel_axis(), 0);
  EXPECT_EQ(back->n_samples(), 4);
  EXPECT_EQ(back->n_channels(), 4);
  expect_same_bits(back->range().min, obs.range().min);
  expect_same_bits(back->range().max, obs.range().max);
  EXPECT_EQ(back->to_json().dump(), text);

  // An observer that saw nothing round-trips too, and still has no samples.
  const auto empty = Observer::from_json(MinMaxObserver("y").to_json(), "shard1.json");
  EXPECT_EQ(empty->n_samples(), 0);
  EXPECT_THROW(empty->range(), Error);
}

TEST(MinMaxObserver, FromJsonRejectsMalformedStatistics) {
  MinMaxObserver obs("x");
  obs.observe(Tensor::from<float>({1}, std::vector<float>{1.0f}));
  const nlohmann::json good = obs.to_json();
  auto broken = [&](const char* key, nlohmann::json value) {
    nlohmann::json j = good;
    if (value.is_null())
      j.erase(key);
    else
      j[key] = value;
    return error_of([&] { Observer::from_json(j, "stats.json"); });
  };
  EXPECT_NE(broken("min", nullptr).find("stats.json"), std::string::npos);
  EXPECT_NE(broken("min", nullptr).find("'min'"), std::string::npos);
  EXPECT_NE(broken("max", nlohmann::json::array({1.0, 2.0})).find("'max'"), std::string::npos);
  EXPECT_NE(broken("min", nlohmann::json::array({5.0})).find("min <= max"), std::string::npos);
  EXPECT_NE(broken("method", "kl").find("'kl'"), std::string::npos);
  EXPECT_NE(broken("version", 2).find("version"), std::string::npos);
  EXPECT_NE(broken("samples", "many").find("'samples'"), std::string::npos);
}

TEST(MinMaxObserver, NanErrorNamesTensorAndSample) {
  MinMaxObserver obs("fc1.out");
  obs.observe(Tensor(DType::kF32, {5, 3}));
  Tensor bad(DType::kF32, {4, 3});
  bad.data<float>()[7] = std::numeric_limits<float>::quiet_NaN();  // row 2
  const std::string msg = error_of([&] { obs.observe(bad); });
  EXPECT_NE(msg.find("'fc1.out'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sample 7"), std::string::npos) << msg;  // 5 earlier samples + row 2
  EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nan"), std::string::npos) << msg;
  EXPECT_EQ(obs.n_samples(), 5);  // the bad batch was not recorded

  bad.data<float>()[7] = -std::numeric_limits<float>::infinity();
  EXPECT_NE(error_of([&] { obs.observe(bad); }).find("-inf"), std::string::npos);
}

TEST(MinMaxObserver, NoSamplesIsAnError) {
  MinMaxObserver obs("relu3.out");
  EXPECT_EQ(error_of([&] { obs.range(); }), "tensor 'relu3.out': no calibration samples");
  EXPECT_THROW(obs.qparams(QuantSpec::recommended_activation()), Error);
}

TEST(MinMaxObserver, RejectsMismatches) {
  MinMaxObserver per_channel("w", 0);
  per_channel.observe(Tensor(DType::kF32, {3, 2}));
  EXPECT_NE(error_of([&] {
              per_channel.observe(Tensor(DType::kF32, {4, 2}));
            }).find("channels"),
            std::string::npos);
  EXPECT_THROW(per_channel.observe(Tensor(DType::kU8, {3, 2})), Error);
  EXPECT_THROW(MinMaxObserver("w", 2).observe(Tensor(DType::kF32, {3, 2})), Error);
  EXPECT_THROW(MinMaxObserver("w", -2), Error);

  MinMaxObserver other_axis("w", 1), other_name("v", 0), other_count("w", 0);
  other_axis.observe(Tensor(DType::kF32, {3, 2}));
  other_name.observe(Tensor(DType::kF32, {3, 2}));
  other_count.observe(Tensor(DType::kF32, {5, 2}));
  EXPECT_THROW(per_channel.merge(other_axis), Error);
  EXPECT_THROW(per_channel.merge(other_name), Error);
  EXPECT_THROW(per_channel.merge(other_count), Error);

  // The spec's axis must agree with the observer's.
  EXPECT_NE(error_of([&] { per_channel.qparams(QuantSpec::pytorch_default_weight()); }).find("'w'"),
            std::string::npos);
}

TEST(MinMaxObserver, QParamsReportEpsChannels) {
  MinMaxObserver obs("dead_relu.out");
  obs.observe(Tensor(DType::kF32, {2, 8}));  // all zeros
  std::vector<int64_t> eps_channels;
  const QParams qp = obs.qparams(QuantSpec::pytorch_default_activation(), &eps_channels);
  EXPECT_EQ(qp.scale[0], 0x1p-23f);
  EXPECT_EQ(eps_channels, std::vector<int64_t>{0});
}

TEST(MakeObserver, KnowsEveryMethodAndNamesUnknownOnes) {
  const auto obs = make_observer("minmax", "x", 0);
  EXPECT_EQ(obs->method(), "minmax");
  EXPECT_EQ(obs->channel_axis(), 0);
  EXPECT_EQ(obs->tensor_name(), "x");
  const std::string msg = error_of([] { make_observer("kl", "x"); });
  EXPECT_NE(msg.find("'kl'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("minmax"), std::string::npos) << msg;
  for (const std::string& m : observer_methods()) EXPECT_EQ(make_observer(m, "x")->method(), m);
  const auto copy = obs->clone();
  EXPECT_EQ(copy->to_json(), obs->to_json());
}

}  // namespace
}  // namespace octet
