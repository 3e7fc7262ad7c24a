// The integer ops that fused QDQ patterns run as (see runtime/fusion.h).
#pragma once

#include <memory>

#include "runtime/fusion.h"

namespace octet::runtime {

// x_q [M,K] uint8 -> y_q [M,N] uint8 (or float32 [M,N] when the layer exits to float).
std::unique_ptr<Op> make_qlinear_gemm_op(const FusedPattern& pattern, const Graph& graph);
// x_q [N,C,spatial...] uint8 -> y_q [N,O,out spatial...] uint8 (or float32).
std::unique_ptr<Op> make_qlinear_conv_op(const FusedPattern& pattern, const Graph& graph);

}  // namespace octet::runtime
