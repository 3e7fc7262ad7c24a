// The calibration data --calib names: an IDX directory's split, or a .npy file of model inputs.
#pragma once

#include <optional>
#include <string>

#include "octet/data.h"
#include "octet/tensor.h"

namespace octet::cli {

struct CalibSource {
  std::optional<Dataset> set;    // an IDX split
  std::optional<Tensor> inputs;  // or float32 model inputs [N, ...] (a .npy file)
  std::string path;              // --calib as given
  std::string split;             // "train", "test" or "npy"
  int64_t size() const { return set ? set->size() : inputs->dim(0); }
  bool npy() const { return inputs.has_value(); }
};

// Loads --calib `path` (`calib_set`: "train" or "test"; `set_given` when --calib-set was on
// the command line, an error for a .npy file) and checks that `count` samples can be drawn.
// Throws octet::Error naming the file or flag.
CalibSource load_calib_source(const std::string& path, const std::string& calib_set, bool set_given,
                              int64_t count);

}  // namespace octet::cli
