// Tensor-level quantization: per-tensor and per-channel layouts, int8 weights, int32 biases
// (docs/quantization.md eq. 1, 2, 8, 15).
#include "octet/quantize_tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "octet/error.h"

namespace octet {
namespace {

TEST(QuantizeTensor, PerChannelAlongAMiddleAxis) {
  // [2, 3, 2]; channel c along axis 1 has scale 0.5 * (c + 1) and zero point 10 * c.
  const std::vector<float> x = {1.0f,  -1.0f, 1.0f, 2.5f,  3.0f, -3.0f,
                                0.25f, 0.75f, 4.0f, -2.0f, 1.5f, 4.5f};
  const QParams qp{{0.5f, 1.0f, 1.5f}, {0, 10, 20}, 1, DType::kU8};
  const Tensor q = quantize_tensor(Tensor::from<float>({2, 3, 2}, x), qp, "x");
  ASSERT_EQ(q.dtype(), DType::kU8);
  ASSERT_EQ(q.shape(), (Shape{2, 3, 2}));
  // x / s: 2 -2 | 1 2.5 | 2 -2 || 0.5 1.5 | 4 -2 | 1 3  -> round half even, + z, clamp to [0,255]
  const std::vector<uint8_t> want = {2, 0, 11, 12, 22, 18, 0, 2, 14, 8, 21, 23};
  EXPECT_EQ(std::vector<uint8_t>(q.values<uint8_t>().begin(), q.values<uint8_t>().end()), want);

  const Tensor back = dequantize_tensor(q, qp, "x");
  ASSERT_EQ(back.dtype(), DType::kF32);
  EXPECT_EQ(back.data<float>()[0], 1.0f);   // 0.5 * (2 - 0)
  EXPECT_EQ(back.data<float>()[1], 0.0f);   // saturated at 0: 0.5 * (0 - 0)
  EXPECT_EQ(back.data<float>()[3], 2.0f);   // 1.0 * (12 - 10): 2.5 rounded to even
  EXPECT_EQ(back.data<float>()[5], -3.0f);  // 1.5 * (18 - 20)
}

TEST(QuantizeTensor, RejectsBadInput) {
  const QParams qp{{0.1f}, {0}, -1, DType::kI8};
  Tensor x(DType::kF32, {3});
  x.data<float>()[2] = std::numeric_limits<float>::quiet_NaN();
  try {
    quantize_tensor(x, qp, "fc1.weight");
    FAIL() << "expected octet::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc1.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("element 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(quantize_tensor(Tensor(DType::kU8, {3}), qp, "x"), Error);
  EXPECT_THROW(dequantize_tensor(Tensor(DType::kU8, {3}), qp, "x"), Error);  // qp is int8
  const QParams per_channel{{0.1f, 0.2f}, {0, 0}, 0, DType::kI8};
  EXPECT_THROW(quantize_tensor(Tensor(DType::kF32, {3, 2}), per_channel, "x"), Error);
}

TEST(QuantizeWeights, SymmetricInt8PerChannel) {
  const std::vector<float> w = {0.5f, -0.25f, 1.0f, -128.0f, 0.0f, 127.5f};  // [2, 3]
  const QParams qp{{0.25f, 1.0f}, {0, 0}, 0, DType::kI8};
  const Tensor q = quantize_weights(Tensor::from<float>({2, 3}, w), qp, "fc1.weight");
  ASSERT_EQ(q.dtype(), DType::kI8);
  // 2 -1 4 | -128 0 127.5 -> 128 (even) saturates to 127
  const std::vector<int8_t> want = {2, -1, 4, -128, 0, 127};
  EXPECT_EQ(std::vector<int8_t>(q.values<int8_t>().begin(), q.values<int8_t>().end()), want);
  const QParams u8{{0.25f}, {0}, -1, DType::kU8};
  EXPECT_THROW(quantize_weights(Tensor::from<float>({2, 3}, w), u8, "w"), Error);
}

TEST(QuantizeBias, RoundsAtTheAccumulatorScaleAndSaturates) {
  const float s_in = 0.02f;
  const std::vector<float> s_w = {0.5f, 0.25f, 1e-6f};
  const std::vector<float> scales = bias_scales(s_in, s_w);
  EXPECT_EQ(scales[0], 0.02f * 0.5f);
  EXPECT_EQ(scales[2], 0.02f * 1e-6f);
  const Tensor b = Tensor::from<float>({3}, std::vector<float>{0.05f, -0.0125f, 1e6f});
  const Tensor q = quantize_bias(b, s_in, s_w, "fc1.bias");
  ASSERT_EQ(q.dtype(), DType::kI32);
  // b / s_b in double, rounded half to even; 1e6 / 2e-8 saturates.
  EXPECT_EQ(q.data<int32_t>()[0], static_cast<int32_t>(std::nearbyint(0.05 / double{scales[0]})));
  EXPECT_EQ(q.data<int32_t>()[0], 5);
  EXPECT_EQ(q.data<int32_t>()[1],
            static_cast<int32_t>(std::nearbyint(double{-0.0125f} / double{scales[1]})));
  EXPECT_EQ(q.data<int32_t>()[2], std::numeric_limits<int32_t>::max());

  // Exact ties with binary scales: -0.3125 / 0.125 = -2.5 -> -2, 0.1875 / 0.125 = 1.5 -> 2.
  const Tensor ties = quantize_bias(Tensor::from<float>({2}, std::vector<float>{-0.3125f, 0.1875f}),
                                    0.5f, {0.25f}, "b");
  EXPECT_EQ(ties.data<int32_t>()[0], -2);
  EXPECT_EQ(ties.data<int32_t>()[1], 2);

  // One weight scale applies to every channel.
  const Tensor q1 = quantize_bias(b, 1.0f, {1.0f}, "b");
  EXPECT_EQ(q1.data<int32_t>()[2], 1000000);
  EXPECT_THROW(quantize_bias(b, s_in, {0.5f, 0.25f}, "b"), Error);  // 2 scales, 3 channels
  EXPECT_THROW(quantize_bias(b, 1e-30f, {1e-30f}, "b"), Error);     // scale underflows to 0
  EXPECT_THROW(quantize_bias(Tensor(DType::kF32, {3, 1}), 1.0f, {1.0f}, "b"), Error);  // rank 2
}

}  // namespace
}  // namespace octet
