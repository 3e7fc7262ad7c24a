// QuantizeLinear (ONNX opset 13): y = saturate(round_half_even(x / y_scale) + y_zero_point),
// per tensor (scalar scale) or per axis (1-D scale along `axis`); y is uint8 (default) or int8,
// the type of the zero point. docs/quantization.md eq. (2).
#include "kernels/vcvt_kernels.h"
#include "octet/error.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qdq_params.h"
#include "runtime/parallel_vcvt.h"

namespace octet::runtime {

namespace {

// The usual case, resolved at plan time: scalar scale and zero point initializers (per tensor),
// so a batch-1 run reads no parameters and allocates nothing but its output.
bool constant_per_tensor(const Node& node, const Graph& graph, kernels::CvtParams* params,
                         DType* dtype) {
  const Tensor* scale = graph.initializer(node.inputs[1]);
  if (scale == nullptr || scale->rank() != 0) return false;
  *dtype = DType::kU8;
  int32_t zero_point = 0;
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    const Tensor* zp = graph.initializer(node.inputs[2]);
    if (zp == nullptr || zp->rank() != 0) return false;
    *dtype = zp->dtype();
    if (*dtype == DType::kU8) zero_point = zp->data<uint8_t>()[0];
    else if (*dtype == DType::kI8) zero_point = zp->data<int8_t>()[0];
    else return false;  // read_qdq_params names the bad type at run time
  }
  *params = {scale->data<float>()[0], zero_point};
  return true;
}

}  // namespace

std::unique_ptr<Op> make_quantize_linear(const Node& node, const Graph& graph) {
  check_qdq_initializers(node, graph);
  const int64_t axis_attr = node.attr_int("axis", 1);
  kernels::CvtParams constant{};
  DType constant_dtype = DType::kU8;
  const bool is_constant = constant_per_tensor(node, graph, &constant, &constant_dtype);
  return make_op([node, axis_attr, is_constant, constant, constant_dtype](
                     std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_dtype(node, x, DType::kF32, "input x");
    if (is_constant) {
      Tensor y = Tensor::uninitialized(constant_dtype, x.shape());  // every element written
      const auto n = static_cast<size_t>(x.numel());
      if (constant_dtype == DType::kU8)
        parallel_vcvt(kernels::vcvt_kernels().f32_qu8, n, x.data<float>(), y.data<uint8_t>(),
                      constant);
      else
        parallel_vcvt(kernels::vcvt_kernels().f32_qs8, n, x.data<float>(), y.data<int8_t>(),
                      constant);
      out[0] = std::move(y);
      return;
    }
    const QdqParams p = read_qdq_params(node, in, x, axis_attr, DType::kU8);
    if (p.dtype != DType::kU8 && p.dtype != DType::kI8)
      fail("{}: zero point is {}, expected uint8 or int8", node.describe(), dtype_name(p.dtype));
    Tensor y = Tensor::uninitialized(p.dtype, x.shape());  // every element written below
    const float* px = x.data<float>();
    for (int64_t c = 0, outer = 0; outer < p.outer; ++outer) {
      for (int64_t ch = 0; ch < p.channels; ++ch) {
        const kernels::CvtParams params{p.scale[ch], p.zero_point[ch]};
        const auto n = static_cast<size_t>(p.inner);
        if (p.dtype == DType::kU8)
          parallel_vcvt(kernels::vcvt_kernels().f32_qu8, n, px + c, y.data<uint8_t>() + c, params);
        else
          parallel_vcvt(kernels::vcvt_kernels().f32_qs8, n, px + c, y.data<int8_t>() + c, params);
        c += p.inner;
      }
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
