// Constant folding: computes, once and before any run, what does not depend on the graph's
// inputs.
#pragma once

#include "octet/graph.h"

namespace octet {

// Folds `graph` in place, in one walk in topological order:
//  - a node whose inputs are all initializers is evaluated with the runtime's own op and
//    replaced by initializers holding its outputs (so chains of such nodes fold entirely);
//  - Shape of a graph input whose dimensions are all fixed becomes an initializer, which is
//    what turns torch's Shape -> Gather -> Unsqueeze -> Concat -> Reshape into a constant;
//  - an Identity is removed and its readers read its input instead (an Identity whose output
//    is a graph output stays, so the output keeps its name).
// QuantizeLinear / DequantizeLinear are never folded: the runtime fuses QDQ patterns into
// integer kernels and needs the int8 weights behind them. Initializers that only folded
// nodes read are dropped. Returns the number of nodes removed. Throws octet::Error naming the
// node when evaluating it fails (e.g. shapes that do not broadcast).
int fold_constants(Graph& graph);

}  // namespace octet
