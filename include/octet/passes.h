// Graph passes: rewrites of a Graph in place that keep what it computes.
#pragma once

#include "octet/graph.h"

namespace octet {

// Folds each BatchNormalization that follows a Conv (or Gemm with transB) whose weights are
// initializers and whose output has no other reader: W' = W * gamma / sqrt(var + eps) per
// output channel, b' = (b - mean) * gamma / sqrt(var + eps) + beta. Returns the number folded.
//
// The per-channel factor and W', b' are computed in double and rounded to float once. The
// BatchNormalization must be in inference form (training_mode 0, only output Y) with scale,
// B, mean and var float initializers of shape [M]; anything else (a BN after another op, a
// Conv whose weights come from a DequantizeLinear, a Conv output read twice) is left alone and
// runs as the BatchNormalization op. The Conv then produces the BN's output name, new weights
// replace the old under the same name unless another node also reads them (then they get a
// fresh name), a missing bias is added, and parameters nothing reads any more are dropped.
int fold_batch_norm(Graph& graph);

// For deployment, where names are only bytes: drops every node name and renames every value and
// initializer that is not a graph input or output to a short generated one (a..z, A..Z, aa, ...,
// in order of first appearance, so the result is deterministic). What the graph computes does
// not change; what octet's reports, `compare` and `--override` match by name does.
void strip_names(Graph& graph);

}  // namespace octet
