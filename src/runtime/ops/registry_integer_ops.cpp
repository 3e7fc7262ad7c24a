// ONNX's integer ops (QLinearMatMul, MatMulInteger, ConvInteger, QLinearConv): their entries in
// the runtime's op registry.
#include "octet/error.h"
#include "runtime/ops/integer_ops.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

void register_integer_ops(std::map<std::string, OpFactory>& registry) {
  const std::pair<const char*, OpFactory> entries[] = {
      {"ConvInteger", make_conv_integer},
      {"MatMulInteger", make_matmul_integer},
      {"QLinearConv", make_qlinear_conv},
      {"QLinearMatMul", make_qlinear_matmul},
  };
  for (const auto& [op_type, factory] : entries)
    OCTET_CHECK(registry.emplace(op_type, factory).second, "op {} is registered twice", op_type);
}

}  // namespace octet::runtime
