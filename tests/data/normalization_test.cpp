// Normalization: its text form, the statistics, and make_batch's exact float formula.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/error.h"
#include "octet/random.h"
#include "test_util.h"

namespace octet {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an octet::Error";
  return "";
}

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) return false;
  }
  return true;
}

TEST(Normalization, PrintsShortestText) {
  EXPECT_EQ((Normalization{{0.1307f}, {0.3081f}}.to_string()), "0.1307,0.3081");
  EXPECT_EQ((Normalization{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}}.to_string()),
            "0.485;0.456;0.406,0.229;0.224;0.225");
  EXPECT_EQ(Normalization{}.to_string(), "0,1");
}

TEST(Normalization, RoundTripsEveryFloatThroughText) {
  Rng rng(7);
  for (int i = 0; i < 20000; ++i) {
    // Random bit patterns cover subnormals, tiny and huge exponents, and negative means.
    const float mean = std::bit_cast<float>(static_cast<uint32_t>(rng.next_u64()));
    const float std_dev = std::fabs(std::bit_cast<float>(static_cast<uint32_t>(rng.next_u64())));
    if (!std::isfinite(mean) || !std::isfinite(std_dev) || std_dev == 0.0f) continue;
    const Normalization norm{{mean, 0.5f}, {std_dev, 0.25f}};
    const std::string text = norm.to_string();
    const Normalization back = Normalization::parse(text, "test");
    ASSERT_TRUE(same_floats(back.mean, norm.mean) && same_floats(back.std, norm.std)) << text;
  }
}

TEST(Normalization, ParsesSeveralChannelsAndSpaces) {
  const Normalization norm = Normalization::parse(" 0.5 ; 0.25;1e-3 , 2;3; 4 ", "flag");
  EXPECT_EQ(norm.mean, (std::vector<float>{0.5f, 0.25f, 1e-3f}));
  EXPECT_EQ(norm.std, (std::vector<float>{2.0f, 3.0f, 4.0f}));
}

TEST(Normalization, RejectsBadText) {
  for (const char* text :
       {"", "0.1307", "0.1,0.2,0.3", "abc,0.3", "0.1,", ",0.3", "0.1x,0.3", "0.1;;0.2,0.3;0.3",
        "0.1;0.2,0.3", "0.1,0", "0.1,-0.3", "nan,1", "0.1,inf", "1e99,1"}) {
    const std::string message =
        error_of([&] { Normalization::parse(text, "model.onnx octet.normalize"); });
    EXPECT_NE(message.find(std::string("model.onnx octet.normalize: normalization '") + text + "'"),
              std::string::npos)
        << "text '" << text << "': " << message;
  }
}

// images uint8 [n, c, h, w] from a list of pixels.
Tensor images_of(Shape shape, const std::vector<uint8_t>& pixels) {
  return Tensor::from<uint8_t>(std::move(shape), pixels);
}

TEST(Normalization, ComputesPopulationMeanAndStdPerChannel) {
  // Channel 0 holds 0 and 255: mean 0.5, std 0.5. Channel 1 holds 51 and 102 (0.2 and 0.4):
  // mean 0.3, population std 0.1 (the sample std would be 0.1155).
  const Tensor images = images_of({2, 2, 1, 2}, {0, 255, 51, 51, 255, 0, 102, 102});
  const Normalization norm = compute_normalization(images);
  ASSERT_EQ(norm.mean.size(), 2u);
  EXPECT_FLOAT_EQ(norm.mean[0], 0.5f);
  EXPECT_FLOAT_EQ(norm.std[0], 0.5f);
  EXPECT_FLOAT_EQ(norm.mean[1], 0.3f);
  EXPECT_FLOAT_EQ(norm.std[1], 0.1f);
}

TEST(Normalization, ComputeRejectsConstantChannelAndBadTensors) {
  EXPECT_NE(error_of([] {
              compute_normalization(images_of({2, 1, 1, 2}, {9, 9, 9, 9}));
            }).find("channel 0 is constant"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              compute_normalization(Tensor(DType::kF32, {1, 1, 2, 2}));
            }).find("images must be uint8 [N,C,H,W], got float32 [1,1,2,2]"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              compute_normalization(Tensor(DType::kU8, {4, 784}));
            }).find("got uint8 [4,784]"),
            std::string::npos);
}

TEST(Normalization, MakeBatchAppliesTheExactFloatFormula) {
  std::vector<uint8_t> pixels(size_t{3 * 2 * 2 * 2});
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 % 256);
  const Tensor images = images_of({3, 2, 2, 2}, pixels);
  const Normalization norm{{0.1307f, 0.5f}, {0.3081f, 0.25f}};
  const Tensor batch = make_batch(images, std::vector<int64_t>{2, 0}, norm);
  ASSERT_EQ(batch.dtype(), DType::kF32);
  ASSERT_EQ(batch.shape(), (Shape{2, 2, 2, 2}));
  const int64_t rows[] = {2, 0};
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t k = 0; k < 4; ++k) {
        const uint8_t p = pixels[(rows[i] * 2 + c) * 4 + k];
        // The formula the PyTorch fixture scripts mirror, evaluated in float32.
        const float want = (static_cast<float>(p) / 255.0f - norm.mean[c]) / norm.std[c];
        ASSERT_EQ(std::bit_cast<uint32_t>(batch.data<float>()[(i * 2 + c) * 4 + k]),
                  std::bit_cast<uint32_t>(want))
            << "sample " << i << " channel " << c << " pixel " << k;
      }
    }
  }
  // The range overload gives the same bits as the index overload.
  const Tensor range = make_batch(images, 1, 3, norm);
  const Tensor listed = make_batch(images, std::vector<int64_t>{1, 2}, norm);
  ASSERT_EQ(range.shape(), (Shape{2, 2, 2, 2}));
  for (int64_t j = 0; j < range.numel(); ++j) {
    ASSERT_EQ(std::bit_cast<uint32_t>(range.data<float>()[j]),
              std::bit_cast<uint32_t>(listed.data<float>()[j]));
  }
}

TEST(Normalization, MakeBatchDefaultsToPixelsOver255ForAnyChannelCount) {
  const Tensor images = images_of({1, 3, 1, 1}, {0, 51, 255});
  const Tensor batch = make_batch(images, 0, 1, Normalization{});
  EXPECT_EQ(batch.data<float>()[0], 0.0f);
  EXPECT_EQ(batch.data<float>()[1], 51.0f / 255.0f);
  EXPECT_EQ(batch.data<float>()[2], 1.0f);
  EXPECT_EQ(make_batch(images, 1, 1, Normalization{}).shape(), (Shape{0, 3, 1, 1}));
}

TEST(Normalization, MakeBatchRejectsBadIndicesAndChannelCounts) {
  const Tensor images = images_of({2, 1, 1, 2}, {1, 2, 3, 4});
  EXPECT_NE(error_of([&] {
              make_batch(images, std::vector<int64_t>{0, 2}, Normalization{});
            }).find("index 2 (batch position 1) is outside the 2 images"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              make_batch(images, 1, 3, Normalization{});
            }).find("rows [1, 3) are outside the 2 images"),
            std::string::npos);
  const Normalization rgb{{0.5f, 0.5f, 0.5f}, {0.2f, 0.2f, 0.2f}};
  EXPECT_NE(error_of([&] {
              make_batch(images, 0, 2, rgb);
            }).find("has 3 means and 3 stds for images with 1 channels"),
            std::string::npos);
}

TEST(FashionMnistDataset, TrainNormalizationMatchesThePublishedValues) {
  const std::filesystem::path dir = test::dataset_dir("fashion-mnist");
  if (dir.empty()) GTEST_SKIP() << "data/fashion-mnist absent: run scripts/prepare_data";
  const Normalization norm = compute_normalization(load_idx_dataset(dir, Split::kTrain).images);
  // The values usually quoted for Fashion-MNIST are 0.2860 / 0.3530; measured exactly (and
  // checked with an independent Python histogram): 0.2860405970 / 0.3530242445.
  EXPECT_NEAR(norm.mean[0], 0.2860f, 5e-5f);
  EXPECT_NEAR(norm.std[0], 0.3530f, 5e-5f);
  EXPECT_EQ(norm.to_string(), "0.2860406,0.35302424");
}

}  // namespace
}  // namespace octet
