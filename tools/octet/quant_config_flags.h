// The flags that choose how a model is quantized (preset, observers, grids, overrides), shared
// by `octet quantize` and `octet calibrate`: a shard must be observed with exactly the config
// the merge will convert with, so both commands accept the same flags and build the config the
// same way.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "octet/quantize.h"

namespace octet::cli {

struct QuantConfigFlags {
  std::string preset = "recommended";
  std::string method;  // empty: the preset's
  std::string weight_method = "minmax";
  double percentile = 99.99;
  bool act_symmetric = false, reduce_range = false, per_channel = false;
  std::vector<std::string> overrides;

  void add_to(CLI::App& cmd);
  // The preset with the flags applied; throws octet::Error naming the flag that is invalid.
  QuantizeConfig config() const;
};

}  // namespace octet::cli
