// qparams_from_range against PyTorch 1.13's observers, bit for bit; quantize/dequantize of
// single values (docs/quantization.md eq. 1-7).
//
// Expected values were produced with /usr/bin/python3 (torch 1.13) by
//   s, z = OBSERVER._calculate_qparams(torch.tensor(MIN), torch.tensor(MAX))
//   float(s).hex(), z.tolist()
// where OBSERVER is named in each table below (module torch.ao.quantization.observer).
#include "octet/qparams.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>

#include "octet/error.h"

namespace octet {
namespace {

struct TorchCase {
  float min, max;
  float scale;  // float(s).hex() printed by torch, as a C++ hex literal
  int32_t zero_point;
};

void expect_matches(const QuantSpec& spec, const TorchCase& c) {
  const QParams qp = qparams_from_range({c.min}, {c.max}, spec, "t");
  ASSERT_EQ(qp.scale.size(), 1u);
  EXPECT_EQ(qp.scale[0], c.scale) << spec.describe() << " range [" << c.min << ", " << c.max
                                  << "]: got " << std::hexfloat << qp.scale[0];
  EXPECT_EQ(qp.zero_point[0], c.zero_point)
      << spec.describe() << " range [" << c.min << ", " << c.max << "]";
  EXPECT_EQ(qp.axis, -1);
  EXPECT_EQ(qp.dtype, spec.dtype);
}

// OBSERVER = default_observer() (default_qconfig.activation: quint8, quant_min=0, quant_max=127)
TEST(QParams, MatchesTorchDefaultActivationObserver) {
  const TorchCase cases[] = {
      {-1.0f, 1.0f, 0x1.0204080000000p-6f, 64},
      {-0.4242f, 3.1415f, 0x1.cc00de0000000p-6f, 15},
      {0.0f, 6.0f, 0x1.83060c0000000p-5f, 0},
      {0.3f, 0.7f, 0x1.6938d80000000p-8f, 0},
      {-2.5f, -0.5f, 0x1.42850a0000000p-6f, 127},
      {-0.1234567f, 0.0f, 0x1.fda90e0000000p-11f, 127},
      {5.0f, 5.0f, 0x1.42850a0000000p-5f, 0},
      {-1.0f, 1e-6f, 0x1.0204180000000p-7f, 127},
      {-3.0f, 0.01f, 0x1.84504e0000000p-6f, 127},
      // Ranges where (max - min) / 127 and (max - min) * (1 / 127) differ in float32: torch
      // divides, and so must octet.
      {-0.195f, 3.997f, 0x1.0e6688p-5f, 6},
      {-1.598f, 3.746f, 0x1.58b584p-5f, 38},
      {-2.526f, 3.74f, 0x1.942e82p-5f, 51},
      {-1.398f, 1.466f, 0x1.717a82p-6f, 62},
  };
  const QuantSpec spec = QuantSpec::pytorch_default_activation();
  EXPECT_EQ(spec.qmin, 0);
  EXPECT_EQ(spec.qmax, 127);
  for (const TorchCase& c : cases) expect_matches(spec, c);
}

// OBSERVER = default_weight_observer() (qint8, per_tensor_symmetric, [-128, 127])
TEST(QParams, MatchesTorchDefaultWeightObserver) {
  const TorchCase cases[] = {
      {-1.0f, 1.0f, 0x1.0101020000000p-7f, 0},
      {-0.4242f, 3.1415f, 0x1.93b05c0000000p-6f, 0},
      {0.0f, 6.0f, 0x1.8181820000000p-5f, 0},
      {0.3f, 0.7f, 0x1.67ce340000000p-8f, 0},
      {-2.5f, -0.5f, 0x1.4141420000000p-6f, 0},
      {-0.1234567f, 0.0f, 0x1.fba9660000000p-11f, 0},
      {5.0f, 5.0f, 0x1.4141420000000p-5f, 0},
      {-1.0f, 1e-6f, 0x1.0101020000000p-7f, 0},
      {-3.0f, 0.01f, 0x1.8181820000000p-6f, 0},
      // max|x| / 127.5 differs from max|x| * (1 / 127.5) here.
      {-3.141f, 3.764f, 0x1.e3ae6ep-6f, 0},
      {-1.503f, 2.827f, 0x1.6b4668p-6f, 0},
      {-1.367f, 3.296f, 0x1.a78adep-6f, 0},
      {-0.9226f, 3.484f, 0x1.bfb36ap-6f, 0},
  };
  for (const TorchCase& c : cases) expect_matches(QuantSpec::pytorch_default_weight(), c);
}

// OBSERVER = MinMaxObserver() (quint8 [0, 255] affine), MinMaxObserver(dtype=torch.quint8,
// qscheme=torch.per_tensor_symmetric), MinMaxObserver(dtype=torch.qint8, reduce_range=True),
// MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_symmetric, quant_min=0,
// quant_max=127)
TEST(QParams, MatchesTorchOtherGrids) {
  const QuantSpec u8_affine = QuantSpec::recommended_activation();
  const QuantSpec u8_sym = QuantSpec::torch_default(DType::kU8, QScheme::kSymmetric);
  const QuantSpec i8_affine_rr = QuantSpec::torch_default(DType::kI8, QScheme::kAffine, true);
  QuantSpec u8_sym_custom = u8_sym;
  u8_sym_custom.qmax = 127;
  u8_sym_custom.custom_range = true;

  expect_matches(u8_affine, {-1.0f, 1.0f, 0x1.0101020000000p-7f, 127});
  expect_matches(u8_affine, {-0.4242f, 3.1415f, 0x1.ca33100000000p-7f, 30});
  expect_matches(u8_affine, {0.0f, 6.0f, 0x1.8181820000000p-6f, 0});
  expect_matches(u8_affine, {0.3f, 0.7f, 0x1.67ce340000000p-9f, 0});
  // (max - min) / 255 differs from (max - min) * (1 / 255) here.
  expect_matches(u8_affine, {-2.02f, 2.901f, 0x1.3c2dd8p-6f, 105});
  expect_matches(u8_affine, {-2.14f, 1.264f, 0x1.b56bb4p-7f, 160});
  expect_matches(u8_affine, {-1.977f, 0.2018f, 0x1.17fae6p-7f, 231});
  expect_matches(u8_affine, {-0.172f, 2.12f, 0x1.2686c6p-7f, 19});
  expect_matches(u8_sym, {-1.0f, 1.0f, 0x1.0101020000000p-7f, 128});
  expect_matches(u8_sym, {-0.4242f, 3.1415f, 0x1.93b05c0000000p-6f, 128});
  expect_matches(u8_sym, {0.3f, 0.7f, 0x1.67ce340000000p-8f, 128});
  expect_matches(i8_affine_rr, {-1.0f, 1.0f, 0x1.0204080000000p-6f, 0});
  expect_matches(i8_affine_rr, {-0.4242f, 3.1415f, 0x1.cc00de0000000p-6f, -49});
  expect_matches(i8_affine_rr, {0.0f, 6.0f, 0x1.83060c0000000p-5f, -64});
  expect_matches(u8_sym_custom, {-1.0f, 1.0f, 0x1.0204080000000p-6f, 63});
  expect_matches(u8_sym_custom, {-0.4242f, 3.1415f, 0x1.95473a0000000p-5f, 63});
  expect_matches(u8_sym_custom, {0.0f, 6.0f, 0x1.83060c0000000p-4f, 63});
}

// OBSERVER = MinMaxObserver() with min / scale an exact tie: -0.15625 / 2^-4 = -2.5 and
// -0.21875 / 2^-4 = -3.5; torch.round rounds half to even, so zero points 2 and 4.
TEST(QParams, ZeroPointRoundsHalfToEven) {
  const QuantSpec spec = QuantSpec::recommended_activation();
  expect_matches(spec, {-0.15625f, 15.78125f, 0x1p-4f, 2});
  expect_matches(spec, {-0.21875f, 15.71875f, 0x1p-4f, 4});
}

// OBSERVER = default_per_channel_weight_observer() (qint8, per_channel_symmetric, ch_axis=0)
// with min_val = [-0.5, -0.02, 0.0, -1.25, 0.1], max_val = [0.25, 0.07, 0.0, 1.0, 0.3].
TEST(QParams, MatchesTorchPerChannelSymmetric) {
  std::vector<int64_t> eps_channels;
  const QParams qp =
      qparams_from_range({-0.5f, -0.02f, 0.0f, -1.25f, 0.1f}, {0.25f, 0.07f, 0.0f, 1.0f, 0.3f},
                         QuantSpec::per_channel_weight(0), "fc1.weight", &eps_channels);
  const std::vector<float> want_scale = {0x1.0101020000000p-8f, 0x1.1fd82a0000000p-11f, 0x1p-23f,
                                         0x1.4141420000000p-7f, 0x1.34679c0000000p-9f};
  EXPECT_EQ(qp.scale, want_scale);
  EXPECT_EQ(qp.zero_point, std::vector<int32_t>(5, 0));
  EXPECT_EQ(qp.axis, 0);
  EXPECT_EQ(qp.dtype, DType::kI8);
  EXPECT_EQ(eps_channels, std::vector<int64_t>{2});  // the all-zero channel
}

// OBSERVER = default_observer() / default_weight_observer() on (0, 0) and (-1e-9, 1e-9): both
// give scale = eps = 0x1p-23 and zero point 0.
TEST(QParams, ConstantTensorFallsBackToEps) {
  for (const QuantSpec& spec :
       {QuantSpec::pytorch_default_activation(), QuantSpec::pytorch_default_weight()}) {
    for (float v : {0.0f, 1e-9f}) {
      std::vector<int64_t> eps_channels;
      const QParams qp = qparams_from_range({-v}, {v}, spec, "t", &eps_channels);
      EXPECT_EQ(qp.scale[0], FLT_EPSILON);
      EXPECT_EQ(qp.zero_point[0], 0);
      EXPECT_EQ(eps_channels, std::vector<int64_t>{0}) << spec.describe() << " v=" << v;
    }
  }
  // A non-zero constant is not degenerate: the range is widened to [0, c].
  std::vector<int64_t> eps_channels{7};
  qparams_from_range({5.0f}, {5.0f}, QuantSpec::pytorch_default_activation(), "t", &eps_channels);
  EXPECT_TRUE(eps_channels.empty());
}

// eq. (3): for every affine range, real 0 quantizes to the zero point and back to exactly 0.
TEST(QParams, ZeroIsExactlyRepresentable) {
  const QuantSpec specs[] = {
      QuantSpec::pytorch_default_activation(), QuantSpec::recommended_activation(),
      QuantSpec::torch_default(DType::kI8, QScheme::kAffine), QuantSpec::pytorch_default_weight()};
  uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) * 0x1p-24f;  // [0, 1)
  };
  for (const QuantSpec& spec : specs) {
    for (int i = 0; i < 2000; ++i) {
      const float lo = -next() * std::ldexp(1.0f, static_cast<int>(next() * 20) - 10);
      const float hi = next() * std::ldexp(1.0f, static_cast<int>(next() * 20) - 10);
      const QParams qp = qparams_from_range({lo}, {hi}, spec, "t");
      const int32_t q = quantize_value(0.0f, qp.scale[0], qp.zero_point[0], dtype_qmin(spec.dtype),
                                       dtype_qmax(spec.dtype));
      ASSERT_EQ(q, qp.zero_point[0]) << spec.describe() << " [" << lo << ", " << hi << "]";
      ASSERT_EQ(dequantize_value(q, qp.scale[0], qp.zero_point[0]), 0.0f);
      ASSERT_GE(qp.zero_point[0], spec.qmin);
      ASSERT_LE(qp.zero_point[0], spec.qmax);
    }
  }
}

TEST(QParams, RejectsBadRanges) {
  const QuantSpec spec = QuantSpec::recommended_activation();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THROW(qparams_from_range({nan}, {1.0f}, spec, "t"), Error);
  EXPECT_THROW(qparams_from_range({0.0f}, {inf}, spec, "t"), Error);
  EXPECT_THROW(qparams_from_range({-FLT_MAX}, {FLT_MAX}, spec, "t"), Error);  // scale overflows
  EXPECT_THROW(qparams_from_range({}, {}, spec, "t"), Error);
  EXPECT_THROW(qparams_from_range({0.0f, 0.0f}, {1.0f, 1.0f}, spec, "t"), Error);  // per-tensor
  try {
    qparams_from_range({2.0f}, {1.0f}, spec, "tensor 'fc1.out'");
    FAIL() << "expected octet::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc1.out"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("greater than"), std::string::npos) << e.what();
  }
}

TEST(QParams, ValidatesSpecs) {
  QuantSpec spec = QuantSpec::recommended_activation();
  spec.qmin = 1;  // zero not on the grid
  EXPECT_THROW(spec.validate("t"), Error);
  spec = QuantSpec::recommended_activation();
  spec.qmax = 256;
  EXPECT_THROW(spec.validate("t"), Error);
  spec = QuantSpec::per_channel_weight(0);
  spec.axis = -1;
  EXPECT_THROW(spec.validate("t"), Error);
  EXPECT_THROW(QuantSpec::torch_default(DType::kU8, QScheme::kSymmetric, true), Error);
  EXPECT_THROW(QuantSpec::torch_default(DType::kI32, QScheme::kAffine), Error);
  EXPECT_NO_THROW(QuantSpec::per_channel_weight(1).validate("t"));
  EXPECT_EQ(QuantSpec::per_channel_weight(0).describe(),
            "int8 [-128,127] symmetric per-channel(axis 0)");
}

TEST(QParams, ValidatesQParamsAgainstShape) {
  QParams qp{{0.5f, 0.25f}, {0, 0}, 1, DType::kI8};
  EXPECT_NO_THROW(qp.validate({3, 2}, "w"));
  EXPECT_THROW(qp.validate({2, 3}, "w"), Error);  // 2 scales, 3 channels
  EXPECT_THROW(qp.validate({2}, "w"), Error);     // axis out of range
  qp.zero_point[1] = 200;
  EXPECT_THROW(qp.validate({3, 2}, "w"), Error);
  QParams bad_scale{{0.0f}, {0}, -1, DType::kU8};
  EXPECT_THROW(bad_scale.validate({4}, "x"), Error);
}

// eq. (2): ties to even after a float32 division, then the zero point, then saturation to the
// dtype range (not qmin/qmax).
TEST(Quantize, RoundsHalfToEvenAndSaturates) {
  // torch.quantize_per_tensor(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5]), 1.0, 10,
  // torch.quint8).int_repr() == [10, 12, 12, 10, 8, 8]
  const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f};
  const int32_t want[] = {10, 12, 12, 10, 8, 8};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(quantize_value(x[i], 1.0f, 10, 0, 255), want[i]);
  EXPECT_EQ(quantize_value(1e30f, 0.1f, 3, 0, 255), 255);
  EXPECT_EQ(quantize_value(-1e30f, 0.1f, 3, 0, 255), 0);
  EXPECT_EQ(quantize_value(std::numeric_limits<float>::infinity(), 1e-30f, 0, -128, 127), 127);
  EXPECT_EQ(quantize_value(-200.0f, 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(quantize_value(std::numeric_limits<float>::quiet_NaN(), 1.0f, 7, 0, 255), 7);
  EXPECT_EQ(dequantize_value(0, 0.5f, 128), -64.0f);
  EXPECT_EQ(dequantize_value(-128, 0.25f, 0), -32.0f);
}

// The measured divergence from PyTorch (docs/quantization.md §6): x = 0x1.a2ca58p-1,
// s = float32(0.0123). In float32, x / s rounds to exactly 66.5, a tie that goes to 66; the exact
// quotient is 66.50000303 and torch, which multiplies by float32(1 / s), gets 66.5000076 -> 67:
//   torch.quantize_per_tensor(torch.tensor([float.fromhex('0x1.a2ca58p-1')]),
//                             float(numpy.float32(0.0123)), 0, torch.quint8).int_repr() == [67]
// octet follows ONNX QuantizeLinear (x / y_scale) and gives 66.
TEST(Quantize, DividesByScaleAsOnnxDoes) {
  const float x = 0x1.a2ca58p-1f;
  const float s = 0.0123f;
  EXPECT_EQ(x / s, 66.5f);
  EXPECT_EQ(quantize_value(x, s, 0, 0, 255), 66);
  EXPECT_EQ(static_cast<int>(std::nearbyint(x * (1.0f / s))), 67);  // what torch computes
}

}  // namespace
}  // namespace octet
