// Quantization parameters: what a quantized tensor looks like (QuantSpec), the scale and zero
// point chosen for it (QParams), and the rule that turns an observed range into them
// (qparams_from_range, PyTorch's MinMaxObserver._calculate_qparams). docs/quantization.md §1-§5.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet {

// Smallest and largest value of an integer dtype: [0, 255] for kU8, [-128, 127] for kI8,
// [-2^31, 2^31 - 1] for kI32. Aborts (a bug) for kF32 and kI64.
int32_t dtype_qmin(DType dtype);
int32_t dtype_qmax(DType dtype);

enum class QScheme : uint8_t {
  kAffine,     // scale and zero point from [min, max] (eq. 5-6)
  kSymmetric,  // zero point fixed (0, or the middle of a uint8 grid), scale from max|x| (eq. 7)
};

// "affine" / "symmetric".
const char* qscheme_name(QScheme scheme);

// The target grid of a quantized tensor. qmin/qmax shape the qparams only; quantizing
// saturates to the dtype's range (eq. 2), as PyTorch eager and ONNX QuantizeLinear do.
struct QuantSpec {
  DType dtype = DType::kU8;  // kU8 or kI8
  int32_t qmin = 0;
  int32_t qmax = 255;
  QScheme scheme = QScheme::kAffine;
  bool per_channel = false;
  int axis = -1;  // the channel axis when per_channel (>= 0), else -1
  // PyTorch's has_customized_qrange: true when qmin/qmax were given explicitly rather than
  // derived from the dtype. Only one thing depends on it: the zero point of a symmetric uint8
  // grid is 128 when false and (qmin + qmax) / 2 (rounded down) when true.
  bool custom_range = false;

  // Throws octet::Error (naming `what`) unless dtype is kU8/kI8, dtype_qmin <= qmin <= 0 <=
  // qmax <= dtype_qmax, qmin < qmax, and axis is >= 0 exactly when per_channel.
  void validate(const std::string& what) const;
  // "uint8 [0,127] affine per-tensor", "int8 [-128,127] symmetric per-channel(axis 0)".
  std::string describe() const;

  // The grid of a PyTorch observer built with these arguments (calculate_qmin_qmax): the full
  // dtype range, halved by reduce_range ([0,127] / [-64,63]). Per-tensor.
  static QuantSpec torch_default(DType dtype, QScheme scheme, bool reduce_range = false);
  // torch.ao.quantization.default_qconfig activations: MinMaxObserver(quant_min=0,
  // quant_max=127), i.e. uint8 [0,127] affine per-tensor with a custom range.
  static QuantSpec pytorch_default_activation();
  // default_qconfig weights: MinMaxObserver(dtype=qint8, qscheme=per_tensor_symmetric).
  static QuantSpec pytorch_default_weight();
  // default_per_channel_qconfig weights: PerChannelMinMaxObserver(dtype=qint8,
  // qscheme=per_channel_symmetric, ch_axis=axis).
  static QuantSpec per_channel_weight(int axis = 0);
  // The recommended activation grid: uint8 [0,255] affine per-tensor.
  static QuantSpec recommended_activation();
};

// Scale and zero point of a quantized tensor: real = scale[c] * (q - zero_point[c]) (eq. 1).
// One entry per channel along `axis`, or a single entry when axis == -1 (per-tensor).
struct QParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int axis = -1;
  DType dtype = DType::kU8;

  bool per_channel() const { return axis >= 0; }
  size_t n_channels() const { return scale.size(); }
  // Throws octet::Error naming `what` unless dtype is kU8/kI8, scale and zero_point have the
  // same size (1 when per-tensor, shape[axis] when per-channel, axis < rank), every scale is
  // finite and > 0 and every zero point lies in the dtype's range.
  void validate(const Shape& shape, const std::string& what) const;
};

// Computes qparams from an observed per-channel (or single) range, exactly as PyTorch 1.13's
// UniformQuantizationObserverBase._calculate_qparams, float32 operation for operation:
//   min_neg = min(min, 0), max_pos = max(max, 0)                                  (eq. 4)
//   affine:    scale = max((max_pos - min_neg) / float(qmax - qmin), eps)         (eq. 5)
//              zero_point = clamp(qmin - round_half_even(min_neg / scale), qmin, qmax) (eq. 6)
//   symmetric: scale = max(max(-min_neg, max_pos) / float((qmax - qmin) / 2), eps)
//              zero_point = 0 for int8; 128 (or (qmin + qmax) / 2 with a custom range) for
//              uint8                                                                (eq. 7)
// with eps = FLT_EPSILON = 2^-23.
//   min, max: equal non-empty sizes; one entry per channel (size 1 unless spec.per_channel).
//   spec: the target grid (validated).
//   what: the tensor's name, used in messages.
//   eps_channels: when not null, receives the channels whose scale was raised to eps (their
//     range is (nearly) zero, e.g. an all-zero tensor), so the caller can warn.
// Throws octet::Error naming `what` on NaN/Inf, min > max, mismatched sizes, or a range so wide
// that the scale overflows float32.
QParams qparams_from_range(const std::vector<float>& min, const std::vector<float>& max,
                           const QuantSpec& spec, const std::string& what,
                           std::vector<int64_t>* eps_channels = nullptr);

// Quantizes one value (eq. 2): clamp(round_half_even(x / scale) + zero_point, lo, hi), with the
// division in float32 as ONNX QuantizeLinear defines it. NaN maps to the zero point.
// Preconditions: scale > 0 and finite, lo <= zero_point <= hi.
inline int32_t quantize_value(float x, float scale, int32_t zero_point, int32_t lo,
                              int32_t hi) noexcept {
  // nearbyint rounds ties to even in the default rounding mode. The sum is formed in double:
  // exact whenever it lies in [lo, hi], and a huge quotient simply saturates.
  const double q = static_cast<double>(std::nearbyint(x / scale)) + zero_point;
  if (q <= lo) return lo;
  if (q >= hi) return hi;
  if (!(q == q)) return zero_point;  // NaN
  return static_cast<int32_t>(q);
}

// Dequantizes one value (eq. 1): scale * (q - zero_point); q - zero_point is exact in int32 and
// in float, so the only rounding is the float32 product.
inline float dequantize_value(int32_t q, float scale, int32_t zero_point) noexcept {
  return scale * static_cast<float>(q - zero_point);
}

}  // namespace octet
