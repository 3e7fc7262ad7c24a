// Per-channel normalization: its text form, its statistics, and batches of float model input.
//
// The one formula every consumer of octet's input must reproduce bit for bit (the PyTorch
// fixture scripts mirror it, in float32, in this order):
//
//     x = (static_cast<float>(p) / 255.0f - mean[c]) / std[c]
//
// i.e. torchvision's ToTensor (p / 255 in float32) followed by Normalize ((x - mean) / std,
// a subtraction then a true division, not a multiplication by 1 / std).
#include <charconv>
#include <cmath>
#include <string_view>

#include "octet/data.h"
#include "octet/error.h"

namespace octet {

namespace {

constexpr std::string_view kFormat = "expected MEAN,STD or M1;M2;...,S1;S2;... (one per channel)";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses "V1;V2;..." into floats; `list` names the part ("mean", "std") for messages.
std::vector<float> parse_list(std::string_view part, const std::string& text,
                              const std::string& what, const char* list) {
  std::vector<float> values;
  while (true) {
    const size_t semi = part.find(';');
    const std::string_view item = trim(part.substr(0, semi));
    float v = 0.0f;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size()) {
      fail("{}: normalization '{}': {} value '{}' is not a number; {}", what, text, list, item,
           kFormat);
    }
    if (!std::isfinite(v)) {
      fail("{}: normalization '{}': {} value '{}' is not finite", what, text, list, item);
    }
    values.push_back(v);
    if (semi == std::string_view::npos) break;
    part.remove_prefix(semi + 1);
  }
  return values;
}

std::string join(const std::vector<float>& values) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ';';
    // fmt's "{}" on a float prints the shortest text that reads back as the same float.
    s += fmt::format("{}", values[i]);
  }
  return s;
}

// Checks an image tensor for the functions below: uint8 [N, C, H, W].
void check_images(const Tensor& images_u8, const char* fn) {
  if (images_u8.empty() || images_u8.dtype() != DType::kU8 || images_u8.rank() != 4) {
    fail("{}: images must be uint8 [N,C,H,W], got {} {}", fn,
         images_u8.empty() ? "empty" : dtype_name(images_u8.dtype()), shape_str(images_u8.shape()));
  }
}

// batch[i] = normalized images[indices[i]]; `fn` names the caller for messages.
Tensor gather_normalized(const Tensor& images_u8, const int64_t* indices, int64_t count,
                         const Normalization& norm, const char* fn) {
  check_images(images_u8, fn);
  const int64_t n = images_u8.dim(0), channels = images_u8.dim(1);
  const int64_t plane = images_u8.dim(2) * images_u8.dim(3);
  const size_t n_norm = norm.mean.size();
  if (n_norm != norm.std.size() || (n_norm != 1 && static_cast<int64_t>(n_norm) != channels)) {
    fail("{}: normalization '{}' has {} means and {} stds for images with {} channels", fn,
         norm.to_string(), n_norm, norm.std.size(), channels);
  }
  for (float s : norm.std) {
    if (!(s > 0.0f) || !std::isfinite(s)) {
      fail("{}: normalization '{}': std {} must be positive", fn, norm.to_string(), s);
    }
  }
  // One 256-entry table per channel, each entry computed with the exact formula above, so the
  // result is bit-identical to evaluating it for every pixel.
  std::vector<float> table(static_cast<size_t>(channels) * 256);
  for (int64_t c = 0; c < channels; ++c) {
    const float mean = norm.mean[n_norm == 1 ? 0 : c];
    const float std_dev = norm.std[n_norm == 1 ? 0 : c];
    for (int p = 0; p < 256; ++p) {
      table[c * 256 + p] = (static_cast<float>(p) / 255.0f - mean) / std_dev;
    }
  }
  Tensor batch(DType::kF32, {count, channels, images_u8.dim(2), images_u8.dim(3)});
  const uint8_t* src = images_u8.data<uint8_t>();
  float* dst = batch.data<float>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t row = indices[i];
    if (row < 0 || row >= n) {
      fail("{}: index {} (batch position {}) is outside the {} images", fn, row, i, n);
    }
    for (int64_t c = 0; c < channels; ++c) {
      const uint8_t* in = src + (row * channels + c) * plane;
      const float* lut = table.data() + c * 256;
      float* out = dst + (i * channels + c) * plane;
      for (int64_t k = 0; k < plane; ++k) out[k] = lut[in[k]];
    }
  }
  return batch;
}

}  // namespace

std::string Normalization::to_string() const {
  return join(mean) + "," + join(std);
}

Normalization Normalization::parse(const std::string& text, const std::string& what) {
  const size_t comma = text.find(',');
  if (comma == std::string::npos || text.find(',', comma + 1) != std::string::npos) {
    fail("{}: normalization '{}': {}", what, text, kFormat);
  }
  const std::string_view view(text);
  Normalization norm;
  norm.mean = parse_list(view.substr(0, comma), text, what, "mean");
  norm.std = parse_list(view.substr(comma + 1), text, what, "std");
  if (norm.mean.size() != norm.std.size()) {
    fail("{}: normalization '{}': {} means but {} stds; {}", what, text, norm.mean.size(),
         norm.std.size(), kFormat);
  }
  for (float s : norm.std) {
    if (!(s > 0.0f)) fail("{}: normalization '{}': std {} must be positive", what, text, s);
  }
  return norm;
}

Normalization compute_normalization(const Tensor& images_u8) {
  check_images(images_u8, "compute_normalization");
  const int64_t n = images_u8.dim(0), channels = images_u8.dim(1);
  const int64_t plane = images_u8.dim(2) * images_u8.dim(3);
  if (n == 0 || plane == 0)
    fail("compute_normalization: no pixels in {}", shape_str(images_u8.shape()));
  // A histogram of the 256 pixel values per channel counts exactly; the moments are then
  // taken over 256 bins in double, two-pass (mean first), so nothing cancels.
  std::vector<int64_t> histogram(static_cast<size_t>(channels) * 256, 0);
  const uint8_t* src = images_u8.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      const uint8_t* in = src + (i * channels + c) * plane;
      int64_t* h = histogram.data() + c * 256;
      for (int64_t k = 0; k < plane; ++k) ++h[in[k]];
    }
  }
  const double count = static_cast<double>(n) * static_cast<double>(plane);
  Normalization norm;
  norm.mean.clear();
  norm.std.clear();
  for (int64_t c = 0; c < channels; ++c) {
    const int64_t* h = histogram.data() + c * 256;
    double sum = 0.0;
    for (int p = 0; p < 256; ++p) sum += static_cast<double>(h[p]) * (p / 255.0);
    const double mean = sum / count;
    double sum_sq = 0.0;
    for (int p = 0; p < 256; ++p) {
      const double d = p / 255.0 - mean;
      sum_sq += static_cast<double>(h[p]) * d * d;
    }
    const double std_dev = std::sqrt(sum_sq / count);  // population: over count, not count - 1
    if (std_dev == 0.0) {
      fail("compute_normalization: channel {} is constant ({} everywhere), its std is 0", c,
           mean * 255.0);
    }
    norm.mean.push_back(static_cast<float>(mean));
    norm.std.push_back(static_cast<float>(std_dev));
  }
  return norm;
}

Tensor make_batch(const Tensor& images_u8, const std::vector<int64_t>& indices,
                  const Normalization& norm) {
  return gather_normalized(images_u8, indices.data(), static_cast<int64_t>(indices.size()), norm,
                           "make_batch");
}

Tensor make_batch(const Tensor& images_u8, int64_t begin, int64_t end, const Normalization& norm) {
  check_images(images_u8, "make_batch");
  if (begin < 0 || begin > end || end > images_u8.dim(0)) {
    fail("make_batch: rows [{}, {}) are outside the {} images", begin, end, images_u8.dim(0));
  }
  std::vector<int64_t> indices(static_cast<size_t>(end - begin));
  for (int64_t i = 0; i < end - begin; ++i) indices[i] = begin + i;
  return gather_normalized(images_u8, indices.data(), end - begin, norm, "make_batch");
}

}  // namespace octet
