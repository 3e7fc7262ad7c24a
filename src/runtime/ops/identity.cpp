// Identity, and Dropout at inference: the output is the input (a view).
#include "octet/error.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_identity(const Node& node, const Graph&) {
  if (node.outputs.size() > 1 && !node.outputs[1].empty())
    fail("{}: the mask output is not supported at inference", node.describe());
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    out[0] = required_input(node, in, 0);
  });
}

}  // namespace octet::runtime
