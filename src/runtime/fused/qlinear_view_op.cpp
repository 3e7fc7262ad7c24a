// The fused Flatten / Reshape of a uint8 tensor: DQ -> Flatten|Reshape -> Q with the same
// (s, z) on both sides only renames the shape, so the uint8 tensor is viewed with the new shape
// (storage shared, no copy) by the same shape logic as the float op.
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"

namespace octet::runtime {

namespace {

class QLinearViewOp final : public Op {
 public:
  QLinearViewOp(const FusedPattern& pattern, const Graph& g) : node_(g.nodes[pattern.op]) {
    view_ = op_registry().at(node_.op_type)(node_, g);  // Flatten or Reshape: dtype-agnostic
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    if (inputs[0]->dtype() != DType::kU8)
      fail("{}: quantized input is {}, expected uint8", node_.describe(),
           dtype_name(inputs[0]->dtype()));
    view_->run(inputs, outputs);
  }

 private:
  Node node_;
  std::unique_ptr<Op> view_;
};

}  // namespace

std::unique_ptr<Op> make_qlinear_view_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearViewOp>(pattern, graph);
}

}  // namespace octet::runtime
