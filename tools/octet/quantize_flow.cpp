// The quantize workflow shared by `octet quantize` and `octet demo`.
#include "quantize_flow.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>

#include "octet/onnx_io.h"
#include "octet/random.h"
#include "octet/runtime.h"

namespace octet::cli {

QuantizeOutcome run_quantize(const QuantizeRequest& r) {
  QuantizeOutcome out;
  if (r.calib_is_test)
    out.warnings.push_back(
        "calibrating on the test set: the evaluation images also chose the scales, so the "
        "reported accuracy is optimistic (use --calib-set train)");
  Calibrator calib(r.fp32, r.config);
  const auto start = std::chrono::steady_clock::now();
  if (r.calib_inputs) {
    const auto indices = sample_indices(r.calib_inputs->dim(0), r.calib_count, r.seed);
    calibrate_on_tensor(calib, *r.calib_inputs, indices, 100, true, r.calib_inputs_source);
  } else {
    const auto indices = sample_indices(r.calib->size(), r.calib_count, r.seed);
    calibrate_on(calib, *r.calib, indices, r.norm);
  }
  out.model = calib.convert();
  out.calibration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  out.peak_rss_kb = usage.ru_maxrss;  // kilobytes on Linux
  for (const auto& w : out.model.warnings) out.warnings.push_back(w);
  save_onnx(out.model.graph, r.output_path);

  if (r.test) {
    out.fp32_eval = r.fp32_eval ? *r.fp32_eval : evaluate(Session(r.fp32), *r.test, r.norm);
    out.int8_eval = evaluate(Session(out.model.graph), *r.test, r.norm);
  }
  out.comparison.push_back(model_stats("FP32", r.model_path, r.fp32, out.fp32_eval));
  out.comparison.push_back(model_stats("int8 " + r.config.preset, r.output_path, out.model.graph,
                                       out.int8_eval));
  // Against the prepared FP32 weights (BatchNorm folded), which the int8 ones approximate.
  out.preview = preview_weights(out.model.graph, out.model.layers.at(0), &calib.prepared_graph());
  return out;
}

void print_quantize_report(const QuantizeOutcome& o) {
  fmt::print("Observers and quantization parameters:\n{}\n", format_layer_table(o.model.layers));
  fmt::print("Range chosen by:\n");
  for (const auto& [tensor, method] : o.model.methods) fmt::print("  {:<28} {}\n", tensor, method);
  fmt::print("Calibration: {:.3f} s, peak RSS {} MB\n\n", o.calibration_seconds,
             o.peak_rss_kb / 1024);
  fmt::print("Layer 1 weights:\n{}\n", format_weight_preview(o.preview));
  fmt::print("{}", format_comparison(o.comparison));
}

nlohmann::json quantize_report_json(const QuantizeRequest& r, const QuantizeOutcome& o) {
  return {{"model", r.model_path},
          {"output", r.output_path},
          {"preset", r.config.preset},
          {"config", r.config.describe()},
          {"calibration", {{"source", r.calib_inputs ? r.calib_inputs_source : r.calib->source},
                           {"count", r.calib_count}, {"seed", r.seed},
                           {"set_is_test", r.calib_is_test}}},
          {"warnings", o.warnings},
          {"layers", layers_to_json(o.model.layers)},
          {"methods", o.model.methods},
          {"calibration_seconds", o.calibration_seconds},
          {"peak_rss_kb", o.peak_rss_kb},
          {"weight_preview", to_json(o.preview)},
          {"comparison", comparison_to_json(o.comparison)}};
}

}  // namespace octet::cli
