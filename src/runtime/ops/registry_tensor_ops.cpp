// Shape, element-wise and tensor ops: their entries in the runtime's op registry.
#include "runtime/ops/ops.h"

namespace octet::runtime {

void register_tensor_ops(std::map<std::string, OpFactory>& registry) { (void)registry; }

}  // namespace octet::runtime
