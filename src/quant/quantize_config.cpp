// The quantization presets.
#include <fmt/format.h>

#include "octet/error.h"
#include "octet/quantize.h"

namespace octet {

QuantizeConfig QuantizeConfig::preset_named(const std::string& name) {
  QuantizeConfig cfg;
  cfg.preset = name;
  if (name == "recommended") {
    cfg.activation = QuantSpec::recommended_activation();
    cfg.weight = QuantSpec::per_channel_weight(0);
  } else if (name == "pytorch-default") {
    cfg.activation = QuantSpec::pytorch_default_activation();
    cfg.weight = QuantSpec::pytorch_default_weight();
    cfg.quantize_graph_outputs = true;
    cfg.bias_correction = false;
  } else {
    fail("--preset: unknown preset '{}' (known: recommended, pytorch-default)", name);
  }
  return cfg;
}

void QuantizeConfig::set_activation_grid(bool symmetric, bool reduce_range) {
  if (symmetric && reduce_range)
    fail(
        "--act-symmetric with --reduce-range: the symmetric grid is stored as uint8 around zero "
        "point 128, so it cannot be kept within 7 bits; use one or the other");
  if (symmetric) activation = QuantSpec::torch_default(DType::kU8, QScheme::kSymmetric);
  if (reduce_range) {
    activation.qmin = 0;
    activation.qmax = 127;
  }
}

const std::string& QuantizeConfig::method_for(const std::string& name,
                                              const std::string& fallback) const {
  auto it = overrides.find(name);
  return it == overrides.end() ? fallback : it->second;
}

std::string QuantizeConfig::describe() const {
  std::string methods = method;
  if (weight_method != "minmax") methods += ", weights " + weight_method;
  if (method == "percentile" || method == "auto") methods += fmt::format(" P={}", percentile);
  if (!overrides.empty()) methods += fmt::format(", {} override(s)", overrides.size());
  return fmt::format("{} ({}): weights {}, activations {}, graph outputs {}", preset, methods,
                     weight.describe(), activation.describe(),
                     quantize_graph_outputs ? "uint8" : "float32 from the int32 accumulator");
}

}  // namespace octet
