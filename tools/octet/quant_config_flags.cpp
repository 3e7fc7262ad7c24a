#include "quant_config_flags.h"

#include "cli_common.h"
#include "octet/error.h"
#include "octet/observer.h"

namespace octet::cli {

void QuantConfigFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--preset", preset, "recommended or pytorch-default")
      ->check(CLI::IsMember({"recommended", "pytorch-default"}))
      ->capture_default_str();
  cmd.add_option("--method", method,
                 "Activation observer (default: the preset's; auto picks per tensor the range with "
                 "the lowest quantization error)")
      ->check(CLI::IsMember(observer_methods()));
  cmd.add_option("--weight-method", weight_method, "Weight observer (per channel with --per-channel)")
      ->check(CLI::IsMember(observer_methods()))
      ->capture_default_str();
  cmd.add_option("--percentile", percentile, "P of --method percentile, in (0, 100]")
      ->capture_default_str();
  cmd.add_flag("--act-symmetric", act_symmetric,
               "Symmetric int8 activations (256 levels around 0, stored as uint8 with zero point 128)");
  cmd.add_flag("--reduce-range", reduce_range,
               "7-bit activations (uint8 [0,127]): the fast AVX2 kernel path on CPUs without VNNI");
  cmd.add_option("--override", overrides,
                 "NAME=METHOD: observe activation or weight NAME with METHOD (repeatable)");
  cmd.add_flag("--per-channel", per_channel, "Per-channel weights (the recommended preset has them)");
}

QuantizeConfig QuantConfigFlags::config() const {
  QuantizeConfig c = QuantizeConfig::preset_named(preset);
  if (!method.empty()) c.method = method;
  c.weight_method = weight_method;
  if (!(percentile > 0.0 && percentile <= 100.0))
    fail("--percentile: {} is outside (0, 100]", percentile);
  c.percentile = percentile;
  c.set_activation_grid(act_symmetric, reduce_range);
  c.overrides = parse_overrides(overrides);
  if (per_channel) c.weight = QuantSpec::per_channel_weight(0);
  return c;
}

}  // namespace octet::cli
