// Shape: the input's dimensions as an int64 1-D tensor; opset 15's `start` / `end` select a
// slice of them (negative counts from the end, both clamped to [0, rank]).
#include <algorithm>

#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

Tensor shape_op_output(const Node& node, const Shape& input_shape) {
  const auto rank = static_cast<int64_t>(input_shape.size());
  const auto clamp_index = [rank](int64_t i) {
    return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank);
  };
  const int64_t start = clamp_index(node.attr_int("start", 0));
  const int64_t end = std::max(start, clamp_index(node.attr_int("end", rank)));
  const std::span<const int64_t> dims(input_shape.data() + start, static_cast<size_t>(end - start));
  return Tensor::from<int64_t>({end - start}, dims);
}

std::unique_ptr<Op> make_shape(const Node& node, const Graph&) {
  node.attr_int("start", 0);  // type-check the attributes at plan time
  node.attr_int("end", 0);
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    out[0] = shape_op_output(node, required_input(node, in, 0).shape());
  });
}

}  // namespace octet::runtime
