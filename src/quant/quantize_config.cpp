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
  } else {
    fail("--preset: unknown preset '{}' (known: recommended, pytorch-default)", name);
  }
  return cfg;
}

void QuantizeConfig::set_activation_grid(bool symmetric, bool reduce_range) {
  if (symmetric && reduce_range)
    fail("--reduce-range: the symmetric uint8 grid (zero point 128) cannot be kept within 7 bits");
  if (symmetric) activation = QuantSpec::torch_default(DType::kU8, QScheme::kSymmetric);
  if (reduce_range) {
    activation.qmin = 0;
    activation.qmax = 127;
  }
}

std::string QuantizeConfig::describe() const {
  return fmt::format("{} ({}): weights {}, activations {}, graph outputs {}", preset, method,
                     weight.describe(), activation.describe(),
                     quantize_graph_outputs ? "uint8" : "float32 from the int32 accumulator");
}

}  // namespace octet
