// Factories of the convolution, pooling and normalization ops (registry_conv_ops.cpp lists
// them), one per file in this folder.
#pragma once

#include <memory>

#include "runtime/op.h"

namespace octet::runtime {

std::unique_ptr<Op> make_conv(const Node& node, const Graph& graph);          // conv.cpp
std::unique_ptr<Op> make_max_pool(const Node& node, const Graph& graph);      // max_pool.cpp
std::unique_ptr<Op> make_average_pool(const Node& node, const Graph& graph);  // average_pool.cpp
std::unique_ptr<Op> make_global_average_pool(const Node& node, const Graph& graph);  // global_pool
std::unique_ptr<Op> make_global_max_pool(const Node& node, const Graph& graph);      // global_pool
std::unique_ptr<Op> make_batch_norm(const Node& node, const Graph& graph);  // batch_norm.cpp

}  // namespace octet::runtime
