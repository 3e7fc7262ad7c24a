// Add (FP32) with numpy broadcasting of both operands.
#include "octet/error.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

namespace {
// Strides of `own` (right-aligned against an output of rank `rank`), 0 on broadcast axes.
std::vector<int64_t> broadcast_strides(const Shape& own, size_t rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < own.size(); ++i) {
    const size_t axis = own.size() - 1 - i;
    strides[rank - 1 - i] = own[axis] == 1 ? 0 : stride;
    stride *= own[axis];
  }
  return strides;
}
}  // namespace

std::unique_ptr<Op> make_add(const Node& node, const Graph&) {
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& a = required_input(node, in, 0);
    const Tensor& b = required_input(node, in, 1);
    expect_dtype(node, a, DType::kF32, "input A");
    expect_dtype(node, b, DType::kF32, "input B");
    const size_t rank = std::max(a.rank(), b.rank());
    Shape shape(rank);
    for (size_t i = 0; i < rank; ++i) {
      const int64_t da = i < a.rank() ? a.dim(a.rank() - 1 - i) : 1;
      const int64_t db = i < b.rank() ? b.dim(b.rank() - 1 - i) : 1;
      if (da != db && da != 1 && db != 1)
        fail("{}: shapes {} and {} do not broadcast", node.describe(), shape_str(a.shape()),
             shape_str(b.shape()));
      shape[rank - 1 - i] = da == 1 ? db : da;
    }
    Tensor y(DType::kF32, shape);
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* py = y.data<float>();
    if (a.shape() == b.shape()) {
      for (int64_t i = 0; i < y.numel(); ++i) py[i] = pa[i] + pb[i];
    } else {
      const auto stride_a = broadcast_strides(a.shape(), rank);
      const auto stride_b = broadcast_strides(b.shape(), rank);
      std::vector<int64_t> coord(rank, 0);
      int64_t ia = 0, ib = 0;
      for (int64_t i = 0; i < y.numel(); ++i) {
        py[i] = pa[ia] + pb[ib];
        for (size_t axis = rank; axis-- > 0;) {  // odometer increment, last axis fastest
          ia += stride_a[axis];
          ib += stride_b[axis];
          if (++coord[axis] < shape[axis]) break;
          ia -= stride_a[axis] * shape[axis];
          ib -= stride_b[axis] * shape[axis];
          coord[axis] = 0;
        }
      }
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
