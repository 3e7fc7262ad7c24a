// The integer ops that fused QDQ patterns run as (see runtime/fusion.h).
#pragma once

#include <memory>

#include "runtime/fusion.h"

namespace octet::runtime {

// x_q [M,K] uint8 -> y_q [M,N] uint8 (or float32 [M,N] when the layer exits to float).
std::unique_ptr<Op> make_qlinear_gemm_op(const FusedPattern& pattern, const Graph& graph);
// x_q [N,C,spatial...] uint8 -> y_q [N,O,out spatial...] uint8 (or float32).
std::unique_ptr<Op> make_qlinear_conv_op(const FusedPattern& pattern, const Graph& graph);

// Depthwise Conv (group == input channels == output channels, 2-D): one filter per channel.
bool is_depthwise_conv(const FusedPattern& pattern, const Graph& graph);
// x_q [N,C,H,W] uint8 -> y_q [N,C,OH,OW] uint8 (or float32), direct per-channel windows.
std::unique_ptr<Op> make_qlinear_depthwise_conv_op(const FusedPattern& pattern, const Graph& graph);
// a_q, b_q uint8 (broadcastable shapes) -> y_q uint8: a + b at the output's scale.
std::unique_ptr<Op> make_qlinear_add_op(const FusedPattern& pattern, const Graph& graph);
// x0_q, x1_q, ... uint8 -> y_q uint8: each input requantized to the output's qparams.
std::unique_ptr<Op> make_qlinear_concat_op(const FusedPattern& pattern, const Graph& graph);
// x_q [N,C,H,W] uint8 -> y_q uint8 with the same qparams.
std::unique_ptr<Op> make_qlinear_max_pool_op(const FusedPattern& pattern, const Graph& graph);
// AveragePool (2-D) or GlobalAveragePool: x_q [N,C,...] uint8 -> y_q uint8.
std::unique_ptr<Op> make_qlinear_average_pool_op(const FusedPattern& pattern, const Graph& graph);
// Flatten / Reshape of a uint8 tensor: a view, the qparams unchanged.
std::unique_ptr<Op> make_qlinear_view_op(const FusedPattern& pattern, const Graph& graph);

}  // namespace octet::runtime
