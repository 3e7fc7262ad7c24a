// Classification accuracy of a model on a labelled data set.
#pragma once

#include <cstdint>
#include <vector>

#include "octet/data.h"
#include "octet/runtime.h"

namespace octet {

struct EvalResult {
  int64_t samples = 0;
  int64_t correct = 0;
  double accuracy = 0.0;
  std::vector<int32_t> predictions;  // arg-max class per sample (ties: the lowest index)
  double seconds = 0.0;
};

struct EvalOptions {
  int64_t limit = -1;         // evaluate the first `limit` samples only (< 0: all)
  int64_t batch = 1000;       // images per run of the session
  bool show_progress = true;  // a progress bar on stderr when it is a terminal
};

// Runs `session` (input float [N,C,H,W], output logits [N,classes]) over `data` normalized
// with `norm`. Throws octet::Error when the logits' shape does not fit or a label is out of
// range for the number of classes.
EvalResult evaluate(const Session& session, const Dataset& data, const Normalization& norm,
                    const EvalOptions& options = {});

// Fraction of samples whose predictions agree (both vectors must have the same length).
double top1_agreement(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

// The normalization a model carries in its octet.normalize metadata; mean 0 / std 1 (pixels
// only scaled to [0, 1]) when it has none. `what` names the model in messages.
Normalization model_normalization(const Graph& graph, const std::string& what);

}  // namespace octet
