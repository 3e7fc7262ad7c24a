// Helpers shared by the op implementations.
#include "runtime/op.h"

#include "octet/error.h"

namespace octet::runtime {

namespace {
class FunctionOp final : public Op {
 public:
  explicit FunctionOp(OpFunction fn) : fn_(std::move(fn)) {}
  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    fn_(inputs, outputs);
  }

 private:
  OpFunction fn_;
};
}  // namespace

std::unique_ptr<Op> make_op(OpFunction fn) { return std::make_unique<FunctionOp>(std::move(fn)); }

const Tensor& required_input(const Node& node, std::span<const Tensor* const> inputs, size_t i) {
  if (i >= inputs.size() || inputs[i] == nullptr)
    fail("{}: required input {} is missing", node.describe(), i);
  return *inputs[i];
}

void expect_dtype(const Node& node, const Tensor& t, DType want, const char* role) {
  if (t.dtype() != want)
    fail("{}: {} is {}, expected {}", node.describe(), role, dtype_name(t.dtype()),
         dtype_name(want));
}

}  // namespace octet::runtime
