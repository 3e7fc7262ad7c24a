// Squeeze and Unsqueeze: remove or insert size-1 axes; the output is a view of the input.
//
// Opset 13 moved `axes` from an attribute to input 1 (int64, 1-D); a graph's opset picks which
// one the op reads. Negative axes count from the end: of the input for Squeeze, of the output
// for Unsqueeze (whose rank is the input's plus the number of axes).
#include <optional>
#include <vector>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

// The axes of an opset >= 13 node (input 1, nullopt when omitted) or of an older one (the
// attribute, nullopt when absent).
std::optional<std::vector<int64_t>> read_axes(const Node& node, bool axes_input,
                                              const std::vector<int64_t>& attr_axes, bool has_attr,
                                              std::span<const Tensor* const> in) {
  if (!axes_input) return has_attr ? std::optional(attr_axes) : std::nullopt;
  if (in.size() < 2 || in[1] == nullptr) return std::nullopt;
  expect_dtype(node, *in[1], DType::kI64, "axes");
  if (in[1]->rank() > 1)
    fail("{}: axes has shape {}, expected 1-D", node.describe(), shape_str(in[1]->shape()));
  const auto values = in[1]->values<int64_t>();
  return std::vector<int64_t>(values.begin(), values.end());
}

// `axes` normalized against `rank`; throws on an out-of-range or repeated axis.
std::vector<bool> axis_mask(const Node& node, const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    const auto axis = static_cast<size_t>(normalize_axis(node, a, rank, "axis"));
    if (mask[axis])
      fail("{}: axis {} appears twice in axes {}", node.describe(), a, shape_str(axes));
    mask[axis] = true;
  }
  return mask;
}

// Opset 13 takes axes only as an input: an attribute there would be silently ignored.
void reject_axes_attribute(const Node& node, const Graph& graph) {
  if (graph.opset >= 13 && node.has_attr("axes"))
    fail("{}: attribute axes was replaced by input 1 in opset 13 (the model is opset {})",
         node.describe(), graph.opset);
}

}  // namespace

std::unique_ptr<Op> make_squeeze(const Node& node, const Graph& graph) {
  reject_axes_attribute(node, graph);
  const bool axes_input = graph.opset >= 13;
  const bool has_attr = node.has_attr("axes");
  const std::vector<int64_t> attr_axes = node.attr_ints("axes");
  return make_op([=](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const auto rank = static_cast<int64_t>(x.rank());
    const auto axes = read_axes(node, axes_input, attr_axes, has_attr, in);
    Shape shape;
    if (!axes) {  // every size-1 axis
      for (int64_t d : x.shape())
        if (d != 1) shape.push_back(d);
    } else {
      const std::vector<bool> mask = axis_mask(node, *axes, rank);
      for (int64_t d = 0; d < rank; ++d) {
        if (!mask[d])
          shape.push_back(x.dim(d));
        else if (x.dim(d) != 1)
          fail("{}: cannot squeeze axis {} of shape {}: its size is not 1", node.describe(), d,
               shape_str(x.shape()));
      }
    }
    out[0] = x.reshaped(std::move(shape));
  });
}

std::unique_ptr<Op> make_unsqueeze(const Node& node, const Graph& graph) {
  reject_axes_attribute(node, graph);
  const bool axes_input = graph.opset >= 13;
  const bool has_attr = node.has_attr("axes");
  const std::vector<int64_t> attr_axes = node.attr_ints("axes");
  if (!axes_input && !has_attr) fail("{}: attribute axes is required", node.describe());
  return make_op([=](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const auto axes = read_axes(node, axes_input, attr_axes, has_attr, in);
    if (!axes) fail("{}: input 1 (axes) is required", node.describe());
    const auto rank = static_cast<int64_t>(x.rank() + axes->size());
    const std::vector<bool> mask = axis_mask(node, *axes, rank);
    Shape shape;
    size_t next = 0;  // next axis of x
    for (int64_t d = 0; d < rank; ++d) shape.push_back(mask[d] ? 1 : x.dim(next++));
    out[0] = x.reshaped(std::move(shape));
  });
}

}  // namespace octet::runtime
