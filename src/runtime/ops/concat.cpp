// Concat: joins its inputs along `axis` (negative counts from the end); any dtype, all inputs
// alike. Viewed as [outer, d(axis) * inner] each input contributes one contiguous block per
// outer index, so the copy is one memcpy per (outer index, input).
#include <cstring>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_concat(const Node& node, const Graph&) {
  if (!node.has_attr("axis")) fail("{}: attribute axis is required", node.describe());
  const int64_t axis_attr = node.attr_int("axis", 0);
  return make_op([node, axis_attr](std::span<const Tensor* const> in, std::span<Tensor> out) {
    if (in.empty()) fail("{}: needs at least one input", node.describe());
    const Tensor& first = required_input(node, in, 0);
    const auto rank = static_cast<int64_t>(first.rank());
    if (rank == 0) fail("{}: input 0 is a scalar; Concat needs rank >= 1", node.describe());
    const int64_t axis = normalize_axis(node, axis_attr, rank, "axis");
    Shape shape = first.shape();
    shape[axis] = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const Tensor& t = required_input(node, in, i);
      if (t.dtype() != first.dtype())
        fail("{}: input {} is {} but input 0 is {}", node.describe(), i, dtype_name(t.dtype()),
             dtype_name(first.dtype()));
      bool ok = static_cast<int64_t>(t.rank()) == rank;
      for (int64_t d = 0; ok && d < rank; ++d) ok = d == axis || t.dim(d) == first.dim(d);
      if (!ok)
        fail("{}: input {} has shape {}, which does not match input 0's {} off axis {}",
             node.describe(), i, shape_str(t.shape()), shape_str(first.shape()), axis);
      shape[axis] += t.dim(axis);
    }
    Tensor y(first.dtype(), shape);
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
    const size_t elem = dtype_size(first.dtype());
    const size_t row_bytes = static_cast<size_t>(outer == 0 ? 0 : y.numel() / outer) * elem;
    std::byte* dst = y.raw();
    for (int64_t o = 0; o < outer; ++o) {
      for (const Tensor* t : in) {
        const size_t block = static_cast<size_t>(outer == 0 ? 0 : t->numel() / outer) * elem;
        if (block) std::memcpy(dst, t->raw() + static_cast<size_t>(o) * block, block);
        dst += block;
      }
    }
    OCTET_CHECK(outer == 0 || dst == y.raw() + row_bytes * static_cast<size_t>(outer));
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
