// DequantizeLinear (ONNX opset 13): y = (x - x_zero_point) * x_scale, per tensor or per axis;
// x is uint8, int8 or int32 (int32 only with a zero point of 0, as for biases).
// docs/quantization.md eq. (1).
#include "kernels/vcvt_kernels.h"
#include "octet/error.h"
#include "octet/qparams.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qdq_params.h"
#include "runtime/parallel_vcvt.h"

namespace octet::runtime {

namespace {
void dequantize(const QdqParams& p, const uint8_t* x, float* y) {
  for (int64_t c = 0, outer = 0; outer < p.outer; ++outer)
    for (int64_t ch = 0; ch < p.channels; ++ch, c += p.inner)
      parallel_vcvt(kernels::vcvt_kernels().qu8_f32, static_cast<size_t>(p.inner), x + c, y + c,
                    {p.scale[ch], p.zero_point[ch]});
}
void dequantize(const QdqParams& p, const int8_t* x, float* y) {
  for (int64_t c = 0, outer = 0; outer < p.outer; ++outer)
    for (int64_t ch = 0; ch < p.channels; ++ch, c += p.inner)
      parallel_vcvt(kernels::vcvt_kernels().qs8_f32, static_cast<size_t>(p.inner), x + c, y + c,
                    {p.scale[ch], p.zero_point[ch]});
}
// int32 (biases): the zero point is 0, checked by the caller.
void dequantize(const QdqParams& p, const int32_t* x, float* y) {
  for (int64_t c = 0, outer = 0; outer < p.outer; ++outer)
    for (int64_t ch = 0; ch < p.channels; ++ch)
      for (int64_t i = 0; i < p.inner; ++i, ++c)
        y[c] = dequantize_value(x[c], p.scale[ch], 0);
}
}  // namespace

std::unique_ptr<Op> make_dequantize_linear(const Node& node, const Graph& graph) {
  check_qdq_initializers(node, graph);
  const int64_t axis_attr = node.attr_int("axis", 1);
  return make_op([node, axis_attr](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const QdqParams p = read_qdq_params(node, in, x, axis_attr, x.dtype());
    if (p.dtype != x.dtype())
      fail("{}: zero point is {} but x is {}", node.describe(), dtype_name(p.dtype),
           dtype_name(x.dtype()));
    Tensor y(DType::kF32, x.shape());
    switch (x.dtype()) {
      case DType::kU8: dequantize(p, x.data<uint8_t>(), y.data<float>()); break;
      case DType::kI8: dequantize(p, x.data<int8_t>(), y.data<float>()); break;
      case DType::kI32:
        for (int32_t z : p.zero_point)
          if (z != 0) fail("{}: an int32 input needs a zero point of 0, got {}", node.describe(), z);
        dequantize(p, x.data<int32_t>(), y.data<float>());
        break;
      default: fail("{}: x is {}, expected uint8, int8 or int32", node.describe(), dtype_name(x.dtype()));
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
