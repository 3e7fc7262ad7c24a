// Quantizing and dequantizing whole tensors with given qparams: activations, int8 weights and
// int32 biases (docs/quantization.md eq. 1, 2, 8, 15).
#pragma once

#include <string>
#include <vector>

#include "octet/qparams.h"
#include "octet/tensor.h"

namespace octet {

// q = clamp(round_half_even(x / scale[c]) + zero_point[c], dtype min, dtype max)   (eq. 2, 8)
//   x: float32, any shape; qp: per-tensor, or per-channel along qp.axis (validated against
//   x's shape). Returns a tensor of qp.dtype (uint8 or int8) with x's shape.
// Throws octet::Error naming `what` on a non-float input, a NaN or infinite element (with its
// index) or invalid qparams.
Tensor quantize_tensor(const Tensor& x, const QParams& qp, const std::string& what);

// x' = scale[c] * (q - zero_point[c])                                                (eq. 1)
//   q: uint8 or int8 matching qp.dtype. Returns float32 with q's shape.
// Throws octet::Error naming `what` on a dtype mismatch or invalid qparams.
Tensor dequantize_tensor(const Tensor& q, const QParams& qp, const std::string& what);

// Weights to int8: quantize_tensor for w of any rank ([N, K] for Gemm/Linear, [O, I, kh, kw] for
// Conv) with int8 qparams, per-tensor or per output channel (qp.axis, usually 0).
// Throws octet::Error naming `what` unless w is float32 and qp.dtype is kI8.
Tensor quantize_weights(const Tensor& w, const QParams& qp, const std::string& what = "weights");

// The bias scales s_b[n] = s_in * s_w[n], rounded to float32: the scale a QDQ model stores for
// the int32 bias, and the one quantize_bias divides by (eq. 15). scales_w has N entries, or
// one that applies to every channel (then the result has one entry too).
std::vector<float> bias_scales(float scale_in, const std::vector<float>& scales_w);

// Bias to int32: q[n] = saturate_int32(round_half_even(b[n] / s_b[n])) with
// s_b = bias_scales(scale_in, scales_w) and the division in double (float32 would lose integer
// precision above 2^24)                                                               (eq. 15)
//   b: float32 [N]; scales_w: N per-channel weight scales, or 1 for per-tensor weights.
// Throws octet::Error naming `what` on a shape mismatch, a non-finite bias, or a scale that is
// not finite and positive (including an s_in * s_w that underflows to 0).
Tensor quantize_bias(const Tensor& b, float scale_in, const std::vector<float>& scales_w,
                     const std::string& what = "bias");

}  // namespace octet
