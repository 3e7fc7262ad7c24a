// Reshape: a view with the shape given by input 1 (int64); 0 copies the input's dimension
// (allowzero = 0, the default), -1 is inferred.
#include "octet/error.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_reshape(const Node& node, const Graph&) {
  if (node.attr_int("allowzero", 0) != 0)
    fail("{}: attribute allowzero=1 is not supported", node.describe());
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const Tensor& shape_t = required_input(node, in, 1);
    expect_dtype(node, shape_t, DType::kI64, "shape");
    Shape shape(shape_t.values<int64_t>().begin(), shape_t.values<int64_t>().end());
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0) {
        if (i >= x.rank()) fail("{}: shape entry {} is 0 but the input has rank {}", node.describe(), i, x.rank());
        shape[i] = x.dim(i);
      }
      if (shape[i] == -1) {
        if (infer >= 0) fail("{}: more than one -1 in shape {}", node.describe(), shape_str(shape));
        infer = static_cast<int64_t>(i);
      } else if (shape[i] < 0) {
        fail("{}: shape entry {} is negative", node.describe(), shape[i]);
      } else {
        known *= shape[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || x.numel() % known != 0)
        fail("{}: cannot reshape {} into {}", node.describe(), shape_str(x.shape()), shape_str(shape));
      shape[infer] = x.numel() / known;
    }
    if (shape_numel(shape) != x.numel())
      fail("{}: cannot reshape {} ({} elements) into {}", node.describe(), shape_str(x.shape()),
           x.numel(), shape_str(shape));
    out[0] = x.reshaped(shape);
  });
}

}  // namespace octet::runtime
