// Convolution, pooling and normalization ops: their entries in the runtime's op registry.
#include "octet/error.h"
#include "runtime/ops/conv_ops.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

void register_conv_ops(std::map<std::string, OpFactory>& registry) {
  const std::map<std::string, OpFactory> ops = {
      {"AveragePool", make_average_pool},
      {"BatchNormalization", make_batch_norm},
      {"Conv", make_conv},
      {"GlobalAveragePool", make_global_average_pool},
      {"GlobalMaxPool", make_global_max_pool},
      {"MaxPool", make_max_pool},
  };
  for (const auto& [op_type, factory] : ops)
    OCTET_CHECK(registry.emplace(op_type, factory).second, "op {} is registered twice", op_type);
}

}  // namespace octet::runtime
