// Quantization grids (QuantSpec) and the min/max -> scale/zero-point rule of PyTorch's
// MinMaxObserver, reproduced float32 operation for operation (docs/quantization.md §3-§5, eq. 3-8).
#include "octet/qparams.h"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "octet/error.h"

namespace octet {

int32_t dtype_qmin(DType dtype) {
  switch (dtype) {
    case DType::kU8:
      return 0;
    case DType::kI8:
      return -128;
    case DType::kI32:
      return std::numeric_limits<int32_t>::min();
    default:
      break;
  }
  OCTET_CHECK(false, "dtype_qmin({}): not an integer quantized type", dtype_name(dtype));
  return 0;
}

int32_t dtype_qmax(DType dtype) {
  switch (dtype) {
    case DType::kU8:
      return 255;
    case DType::kI8:
      return 127;
    case DType::kI32:
      return std::numeric_limits<int32_t>::max();
    default:
      break;
  }
  OCTET_CHECK(false, "dtype_qmax({}): not an integer quantized type", dtype_name(dtype));
  return 0;
}

const char* qscheme_name(QScheme scheme) {
  return scheme == QScheme::kAffine ? "affine" : "symmetric";
}

void QuantSpec::validate(const std::string& what) const {
  if (dtype != DType::kU8 && dtype != DType::kI8)
    fail("{}: quantized dtype is {}, expected uint8 or int8", what, dtype_name(dtype));
  if (qmin < dtype_qmin(dtype) || qmax > dtype_qmax(dtype) || !(qmin < qmax))
    fail("{}: quantized range [{}, {}] must satisfy {} <= qmin < qmax <= {} for {}", what, qmin,
         qmax, dtype_qmin(dtype), dtype_qmax(dtype), dtype_name(dtype));
  // PyTorch asserts quant_min <= 0 <= quant_max so that zero is on the grid (eq. 3).
  if (qmin > 0 || qmax < 0) fail("{}: quantized range [{}, {}] must include 0", what, qmin, qmax);
  if (per_channel && axis < 0)
    fail("{}: per-channel quantization needs a channel axis >= 0, got {}", what, axis);
  if (!per_channel && axis != -1)
    fail("{}: per-tensor quantization has axis -1, got {}", what, axis);
  // Without a custom range PyTorch puts a symmetric uint8 zero point at 128, which is only on
  // the grid for the full [0, 255] range (PyTorch refuses reduce_range there).
  if (scheme == QScheme::kSymmetric && dtype == DType::kU8 && !custom_range &&
      (qmin != 0 || qmax != 255))
    fail(
        "{}: symmetric uint8 with range [{}, {}] needs custom_range (zero point 128 is off "
        "the grid)",
        what, qmin, qmax);
}

std::string QuantSpec::describe() const {
  return fmt::format("{} [{},{}] {} {}", dtype_name(dtype), qmin, qmax, qscheme_name(scheme),
                     per_channel ? fmt::format("per-channel(axis {})", axis) : "per-tensor");
}

QuantSpec QuantSpec::torch_default(DType dtype, QScheme scheme, bool reduce_range) {
  QuantSpec spec;
  spec.dtype = dtype;
  spec.scheme = scheme;
  if (dtype == DType::kU8) {
    if (reduce_range && scheme == QScheme::kSymmetric)
      fail("QuantSpec: reduce_range is not supported for symmetric uint8 (as in PyTorch)");
    spec.qmin = 0;
    spec.qmax = reduce_range ? 127 : 255;
  } else if (dtype == DType::kI8) {
    spec.qmin = reduce_range ? -64 : -128;
    spec.qmax = reduce_range ? 63 : 127;
  } else {
    fail("QuantSpec: quantized dtype is {}, expected uint8 or int8", dtype_name(dtype));
  }
  return spec;
}

QuantSpec QuantSpec::pytorch_default_activation() {
  QuantSpec spec = torch_default(DType::kU8, QScheme::kAffine);
  spec.qmax = 127;
  spec.custom_range = true;
  return spec;
}

QuantSpec QuantSpec::pytorch_default_weight() {
  return torch_default(DType::kI8, QScheme::kSymmetric);
}

QuantSpec QuantSpec::per_channel_weight(int axis) {
  QuantSpec spec = torch_default(DType::kI8, QScheme::kSymmetric);
  spec.per_channel = true;
  spec.axis = axis;
  return spec;
}

QuantSpec QuantSpec::recommended_activation() {
  return torch_default(DType::kU8, QScheme::kAffine);
}

void QParams::validate(const Shape& shape, const std::string& what) const {
  if (dtype != DType::kU8 && dtype != DType::kI8)
    fail("{}: quantized dtype is {}, expected uint8 or int8", what, dtype_name(dtype));
  if (scale.empty() || scale.size() != zero_point.size())
    fail("{}: {} scales and {} zero points, expected the same non-zero count", what, scale.size(),
         zero_point.size());
  if (axis < -1 || axis >= static_cast<int>(shape.size()))
    fail("{}: quantization axis {} is out of range for shape {}", what, axis, shape_str(shape));
  const int64_t n_expected = axis < 0 ? 1 : shape[static_cast<size_t>(axis)];
  if (static_cast<int64_t>(scale.size()) != n_expected)
    fail("{}: {} scales for {} along axis {} of shape {}", what, scale.size(),
         axis < 0 ? "a per-tensor quantization" : fmt::format("{} channels", n_expected), axis,
         shape_str(shape));
  for (size_t c = 0; c < scale.size(); ++c) {
    if (!std::isfinite(scale[c]) || !(scale[c] > 0))
      fail("{}: scale[{}] = {} must be finite and positive", what, c, scale[c]);
    if (zero_point[c] < dtype_qmin(dtype) || zero_point[c] > dtype_qmax(dtype))
      fail("{}: zero_point[{}] = {} is outside the {} range [{}, {}]", what, c, zero_point[c],
           dtype_name(dtype), dtype_qmin(dtype), dtype_qmax(dtype));
  }
}

namespace {

// Single precision machine epsilon, PyTorch's default observer eps (torch.finfo(float32).eps).
constexpr float kEps = FLT_EPSILON;

}  // namespace

QParams qparams_from_range(const std::vector<float>& min, const std::vector<float>& max,
                           const QuantSpec& spec, const std::string& what,
                           std::vector<int64_t>* eps_channels) {
  spec.validate(what);
  if (min.empty() || min.size() != max.size())
    fail("{}: range has {} minima and {} maxima, expected the same non-zero count", what,
         min.size(), max.size());
  if (!spec.per_channel && min.size() != 1)
    fail("{}: per-tensor quantization needs one range, got {}", what, min.size());
  if (eps_channels != nullptr) eps_channels->clear();

  QParams qp;
  qp.axis = spec.per_channel ? spec.axis : -1;
  qp.dtype = spec.dtype;
  qp.scale.resize(min.size());
  qp.zero_point.resize(min.size());
  const auto channel = [&](size_t c) {
    return spec.per_channel ? fmt::format(" channel {}", c) : std::string();
  };
  for (size_t c = 0; c < min.size(); ++c) {
    if (!std::isfinite(min[c]) || !std::isfinite(max[c]))
      fail("{}{}: observed range [{}, {}] is not finite", what, channel(c), min[c], max[c]);
    if (min[c] > max[c])
      fail("{}{}: observed min {} is greater than max {}", what, channel(c), min[c], max[c]);
    // eq. (4): widen to include zero, so that zero is exactly representable (eq. 3).
    const float min_neg = std::min(min[c], 0.0f);
    const float max_pos = std::max(max[c], 0.0f);
    float scale;
    int32_t zero_point;
    if (spec.scheme == QScheme::kSymmetric) {
      // eq. (7). Python computes float(qmax - qmin) / 2 in double; it is a half-integer below
      // 2^8, exact in float32, and the division happens in float32.
      const float half_range = static_cast<float>(static_cast<double>(spec.qmax - spec.qmin) / 2);
      scale = std::max(-min_neg, max_pos) / half_range;
      if (spec.dtype == DType::kU8)
        zero_point = spec.custom_range ? (spec.qmin + spec.qmax) / 2 : 128;  // both >= 0
      else
        zero_point = 0;
    } else {
      // eq. (5): the float32 difference, then a float32 division by the (exact) grid width.
      scale = (max_pos - min_neg) / static_cast<float>(spec.qmax - spec.qmin);
      zero_point = 0;  // set below, once the scale is final
    }
    if (!std::isfinite(scale))
      fail("{}{}: range [{}, {}] is too wide, its scale overflows float32", what, channel(c),
           min[c], max[c]);
    if (!(scale >= kEps)) {  // torch.max(scale, eps)
      scale = kEps;
      if (eps_channels != nullptr) eps_channels->push_back(static_cast<int64_t>(c));
    }
    if (spec.scheme == QScheme::kAffine) {
      // eq. (6): torch.round is round-half-to-even; min_neg / scale is in [-(qmax-qmin), 0]
      // (at most a rounding step beyond), so the integer conversion cannot overflow.
      const float steps = std::nearbyint(min_neg / scale);
      zero_point = std::clamp(spec.qmin - static_cast<int32_t>(steps), spec.qmin, spec.qmax);
    }
    qp.scale[c] = scale;
    qp.zero_point[c] = zero_point;
  }
  return qp;
}

}  // namespace octet
