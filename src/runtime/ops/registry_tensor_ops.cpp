// Shape, element-wise and tensor ops: their entries in the runtime's op registry.
#include "octet/error.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

void register_tensor_ops(std::map<std::string, OpFactory>& registry) {
  // Add, Relu, Reshape, Flatten and Identity are in op_registry.cpp's core table.
  const std::map<std::string, OpFactory> ops = {
      {"Cast", make_cast},
      {"Clip", make_clip},
      {"Concat", make_concat},
      {"Div", make_div},
      {"Exp", make_exp},
      {"Gather", make_gather},
      {"LeakyRelu", make_leaky_relu},
      {"LogSoftmax", make_log_softmax},
      {"Mul", make_mul},
      {"Shape", make_shape},
      {"Sigmoid", make_sigmoid},
      {"Softmax", make_softmax},
      {"Squeeze", make_squeeze},
      {"Sub", make_sub},
      {"Tanh", make_tanh},
      {"Transpose", make_transpose},
      {"Unsqueeze", make_unsqueeze},
  };
  for (const auto& [op_type, factory] : ops)
    OCTET_CHECK(registry.emplace(op_type, factory).second, "op {} is registered twice", op_type);
}

}  // namespace octet::runtime
