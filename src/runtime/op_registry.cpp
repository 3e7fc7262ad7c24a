// The table of op types the runtime executes. Listed explicitly (no static self-registration,
// which a static library's linker would silently drop).
#include "runtime/ops/ops.h"

#include "octet/runtime.h"

namespace octet::runtime {

namespace {
std::map<std::string, OpFactory> build_registry() {
  std::map<std::string, OpFactory> registry = {
      {"Add", make_add},
      {"DequantizeLinear", make_dequantize_linear},
      {"Dropout", make_identity},  // inference: the identity (a mask output is not supported)
      {"Flatten", make_flatten},
      {"Gemm", make_gemm},
      {"Identity", make_identity},
      {"MatMul", make_matmul},
      {"QuantizeLinear", make_quantize_linear},
      {"Relu", make_relu},
      {"Reshape", make_reshape},
  };
  register_conv_ops(registry);
  register_tensor_ops(registry);
  register_integer_ops(registry);
  return registry;
}
}  // namespace

const std::map<std::string, OpFactory>& op_registry() {
  static const std::map<std::string, OpFactory> registry = build_registry();
  return registry;
}

}  // namespace octet::runtime

namespace octet {
bool runtime_supports(const std::string& op_type) {
  return runtime::op_registry().count(op_type) != 0;
}
}  // namespace octet
