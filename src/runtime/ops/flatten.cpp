// Flatten: [d0, ..., dn] -> [d0 * ... * d(axis-1), d(axis) * ... * dn], a view.
#include "octet/error.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_flatten(const Node& node, const Graph&) {
  const int64_t axis_attr = node.attr_int("axis", 1);
  return make_op([node, axis_attr](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const auto rank = static_cast<int64_t>(x.rank());
    const int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
    if (axis < 0 || axis > rank)
      fail("{}: axis {} is out of range for rank {}", node.describe(), axis_attr, rank);
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= x.dim(i);
    const int64_t inner = outer == 0 ? 0 : x.numel() / outer;
    out[0] = x.reshaped({outer, inner});
  });
}

}  // namespace octet::runtime
