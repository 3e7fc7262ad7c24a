// cnn_models_check: FP32 accuracy, int8 quantization, QDQ round trip, SQNR and batch-1 latency of
// real CNNs (torchvision resnet18 / mobilenet_v2 from bench/make_torchvision_models.py).
//
//   cnn_models_check [--per-layer] [--method M] [--no-bias-correction] MODELS_DIR [NAME ...]
//                                            (default: minmax; resnet18 mobilenet_v2)
//
// For each NAME, with MODELS_DIR/{NAME.onnx, NAME.check_logits.npy, check_inputs.npy,
// calib_inputs.npy}:
//   1. FP32: run check_inputs [4,3,224,224]; per image rel = max|out - ref| / max|ref| <= 1e-4
//      (the tolerance the generator checked its own float64 interpretation against).
//   2. int8: the recommended preset (activation observer M) calibrated on all of calib_inputs [32,...] (used as they
//      are), its biases then corrected on the same inputs (unless --no-bias-correction), saved as QDQ to MODELS_DIR/NAME.int8.onnx, reloaded; the reloaded model's outputs
//      must be bit-identical to the in-memory quantized model's. When quantizing the graph as
//      exported fails, the error is printed and kept in the JSON ("int8_error"), and, if the
//      graph has Identity copies of initializers, the rest runs on a copy with those made into
//      initializers of their own ("workaround"); the model still counts as failed.
//   3. SQNR of int8 logits against FP32 logits: 10 log10(sum fp32^2 / sum (fp32 - int8)^2);
//      target >= 15 dB.
//   4. Latency at batch 1: median of 5 runs after one warm-up, FP32 and int8, at the kernel level
//      the process runs (OCTET_ISA, else the CPU's best; "kernel_level" in the JSON).
//   5. With --per-layer: for every quantized activation v (graph order), the SQNR of the int8
//      model's v (its uint8 tensor dequantized) against the FP32 model's v ("model": the error
//      accumulated up to v), and of FP32 v quantized and dequantized on its own ("grid": the
//      error of v's own scale). A layer where "model" drops while "grid" stays high loses its
//      precision in its kernel or weights; a low "grid" means a badly chosen range.
// Prints one line per model on stdout, then a JSON summary. Exit 0 when every check passed,
// 1 when one failed, 2 on bad usage or an octet::Error (printed on stderr).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/npy.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "runtime/cpu_features.h"
#include "octet/runtime.h"

namespace fs = std::filesystem;
using octet::Tensor;

namespace {

constexpr double kFp32RelTolerance = 1e-4;
constexpr double kSqnrTargetDb = 15.0;
constexpr int kTimedRuns = 5;

// Worst per-image max|out - ref| / max|ref| over the rows of [N, classes] logits.
double max_rel_error(const Tensor& out, const Tensor& ref) {
  if (out.shape() != ref.shape()) {
    octet::fail("output {} does not match the reference {}", octet::shape_str(out.shape()),
                octet::shape_str(ref.shape()));
  }
  const int64_t n = out.dim(0), row = out.numel() / n;
  const float* o = out.data<float>();
  const float* r = ref.data<float>();
  double worst = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double diff = 0.0, scale = 0.0;
    for (int64_t j = i * row; j < (i + 1) * row; ++j) {
      diff = std::max(diff, std::abs(double{o[j]} - double{r[j]}));
      scale = std::max(scale, std::abs(double{r[j]}));
    }
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

double sqnr_db(const Tensor& fp32, const Tensor& int8) {
  double signal = 0.0, noise = 0.0;
  const float* a = fp32.data<float>();
  const float* b = int8.data<float>();
  for (int64_t i = 0; i < fp32.numel(); ++i) {
    signal += double{a[i]} * a[i];
    noise += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  }
  return noise == 0.0 ? INFINITY : 10.0 * std::log10(signal / noise);
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Median wall time in ms of kTimedRuns runs after one warm-up.
double median_ms(const octet::Session& session, const Tensor& input) {
  session.run(input);
  std::vector<double> ms;
  for (int i = 0; i < kTimedRuns; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    session.run(input);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Nodes the plan runs in the integer domain, out of all nodes.
std::pair<int, int> int8_nodes(const octet::Session& session) {
  int n_int8 = 0;
  for (const auto& [node, precision] : session.node_precision()) n_int8 += precision == "int8";
  return {n_int8, static_cast<int>(session.node_precision().size())};
}

struct Quantized {
  octet::QuantizedModel model;
  std::unique_ptr<octet::Session> session;
  octet::Graph prepared;  // the FP32 graph as quantized (constants and BatchNorms folded)
};

struct QuantOptions {
  std::string method = "minmax";  // the activation observer
  bool bias_correction = true;
};

// The recommended preset with activation observer `opts.method`, calibrated on every row of
// `calib_inputs`, in batches of 8, and bias-corrected on them.
Quantized quantize(const octet::Graph& fp32, const Tensor& calib_inputs, const QuantOptions& opts) {
  octet::QuantizeConfig cfg = octet::QuantizeConfig::preset_named("recommended");
  cfg.method = opts.method;
  cfg.bias_correction = opts.bias_correction;
  octet::Calibrator calib(fp32, cfg);
  std::vector<int64_t> all(static_cast<size_t>(calib_inputs.dim(0)));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  octet::calibrate_on_tensor(calib, calib_inputs, all, 8, false, "calib_inputs.npy");
  Quantized q{calib.convert(), nullptr, calib.prepared_graph()};
  if (cfg.bias_correction)
    octet::correct_biases(q.model, q.prepared, octet::calibration_batches(calib_inputs, all, 8));
  q.session = std::make_unique<octet::Session>(q.model.graph);
  return q;
}

// The workaround for graphs whose exporter deduplicated equal initializers into Identity copies
// (resnet18's all-zero conv biases): each `Identity(initializer)` is replaced by an initializer
// of its own holding a copy, so that no two layers share a bias when octet folds the Identity.
// Returns the number of copies made. The FP32 function is unchanged.
int materialize_identity_copies(octet::Graph& g) {
  int n = 0;
  std::vector<octet::Node> kept;
  for (octet::Node& node : g.nodes) {
    const octet::Tensor* src = node.op_type == "Identity" && node.inputs.size() == 1
                                   ? g.initializer(node.inputs[0])
                                   : nullptr;
    if (src == nullptr) {
      kept.push_back(std::move(node));
      continue;
    }
    g.initializers[node.outputs.at(0)] = src->clone();
    ++n;
  }
  g.nodes = std::move(kept);
  return n;
}

// Per quantized activation v: SQNR of the int8 model's v and of FP32 v on v's own grid (see 5.
// at the top). The QDQ graph names v's uint8 tensor v_q and its qparams v_s / v_z.
nlohmann::json per_layer_sqnr(const Quantized& q, const Tensor& input) {
  const octet::Graph& g = q.model.graph;
  std::map<std::string, Tensor> fp32_values, int8_values;
  const octet::ValueHook keep_fp32 = [&](const std::string& name, const Tensor& v) {
    if (g.initializer(name + "_s") && v.dtype() == octet::DType::kF32) fp32_values[name] = v;
  };
  const octet::ValueHook keep_int8 = [&](const std::string& name, const Tensor& v) {
    if (name.size() > 2 && name.ends_with("_q") && v.dtype() == octet::DType::kU8)
      int8_values[name.substr(0, name.size() - 2)] = v;
  };
  const std::string in = q.prepared.inputs.at(0).name;
  octet::Session(q.prepared).run({{in, input}}, {}, &keep_fp32);
  q.session->run({{g.inputs.at(0).name, input}}, {}, &keep_int8);
  nlohmann::json rows = nlohmann::json::array();
  for (const octet::Node& node : q.prepared.nodes) {
    for (const std::string& v : node.outputs) {
      if (!fp32_values.count(v) || !int8_values.count(v)) continue;
      const float scale = g.initializer(v + "_s")->data<float>()[0];
      const octet::Tensor* zt = g.initializer(v + "_z");
      const int32_t zp = zt ? zt->data<uint8_t>()[0] : 0;
      const Tensor& ref = fp32_values.at(v);
      const Tensor& q8 = int8_values.at(v);
      Tensor model(octet::DType::kF32, ref.shape()), grid(octet::DType::kF32, ref.shape());
      for (int64_t i = 0; i < ref.numel(); ++i) {
        model.data<float>()[i] = scale * static_cast<float>(q8.data<uint8_t>()[i] - zp);
        const float r = std::nearbyint(ref.data<float>()[i] / scale) + static_cast<float>(zp);
        grid.data<float>()[i] = scale * (std::clamp(r, 0.0f, 255.0f) - static_cast<float>(zp));
      }
      const double sqnr_model = sqnr_db(ref, model), sqnr_grid = sqnr_db(ref, grid);
      fmt::print("  {:<40} {:<18} model {:6.2f} dB  grid {:6.2f} dB  scale {:.3g} zp {}\n", v,
                 node.op_type, sqnr_model, sqnr_grid, scale, zp);
      rows.push_back({{"value", v}, {"op", node.op_type}, {"sqnr_model_db", sqnr_model},
                      {"sqnr_grid_db", sqnr_grid}, {"scale", scale}, {"zero_point", zp}});
    }
  }
  return rows;
}

nlohmann::json check_model(const fs::path& dir, const std::string& name, const QuantOptions& opts,
                           const Tensor& check,
                           const Tensor& calib_inputs, bool per_layer, bool& all_ok) {
  nlohmann::json j{{"model", name}};
  const octet::Graph fp32 = octet::load_onnx(dir / (name + ".onnx"));
  const Tensor ref = octet::read_npy(dir / (name + ".check_logits.npy"));
  const octet::Session fp32_session(fp32);
  const Tensor out_fp32 = fp32_session.run(check);
  const double rel = max_rel_error(out_fp32, ref);
  j["fp32_max_rel_error"] = rel;
  j["fp32_ok"] = rel <= kFp32RelTolerance;

  // The integer path as it is; if it fails, the error is recorded and, when the graph has
  // Identity copies of initializers, retried with those copies materialized (see below).
  std::optional<Quantized> q;
  try {
    q = quantize(fp32, calib_inputs, opts);
  } catch (const octet::Error& e) {
    j["int8_error"] = e.what();
    octet::Graph unshared = fp32;
    const int n_copies = materialize_identity_copies(unshared);
    if (n_copies == 0) throw;
    fmt::print(
        "{:<13} int8 FAILED as exported: {}\n{:<13} retrying with its {} Identity copies "
        "of initializers materialized as initializers of their own\n",
        name, e.what(), name, n_copies);
    j["workaround"] = fmt::format("{} Identity copies of initializers materialized", n_copies);
    q = quantize(unshared, calib_inputs, opts);
  }
  j["quantized_layers"] = q->model.layers.size();
  j["warnings"] = q->model.warnings;
  const octet::Session& int8_session = *q->session;
  const auto [n_int8, n_nodes] = int8_nodes(int8_session);
  j["int8_nodes"] = n_int8;
  j["nodes"] = n_nodes;
  const Tensor out_int8 = int8_session.run(check);

  const fs::path saved = dir / (name + ".int8.onnx");
  octet::save_onnx(q->model.graph, saved);
  j["int8_file"] = saved.string();
  j["int8_bytes"] = fs::file_size(saved);
  j["fp32_bytes"] = fs::file_size(dir / (name + ".onnx"));
  const octet::Session reloaded(octet::load_onnx(saved));
  j["reload_bit_identical"] = bit_identical(reloaded.run(check), out_int8);

  const double sqnr = sqnr_db(out_fp32, out_int8);
  j["sqnr_db"] = sqnr;
  j["sqnr_ok"] = sqnr >= kSqnrTargetDb;
  j["int8_max_rel_error"] = max_rel_error(out_int8, out_fp32);

  const Tensor one = check.slice_rows(0, 1);
  const double ms_fp32 = median_ms(fp32_session, one);
  const double ms_int8 = median_ms(int8_session, one);
  j["latency_ms_batch1"] = {{"fp32", ms_fp32}, {"int8", ms_int8}};

  const bool ok = j["fp32_ok"].get<bool>() && j["reload_bit_identical"].get<bool>() &&
                  j["sqnr_ok"].get<bool>() && !j.contains("int8_error");
  j["ok"] = ok;
  all_ok = all_ok && ok;
  fmt::print(
      "{:<13} fp32 rel err {:.2e} ({})  int8 nodes {}/{}  SQNR {:.2f} dB ({})  reload {}  "
      "batch-1 fp32 {:.1f} ms, int8 {:.1f} ms  {}\n",
      name, rel, rel <= kFp32RelTolerance ? "ok" : "FAIL", n_int8, n_nodes, sqnr,
      sqnr >= kSqnrTargetDb ? "ok" : "below 15",
      j["reload_bit_identical"].get<bool>() ? "bit-identical" : "DIFFERS", ms_fp32, ms_int8,
      ok ? "PASS" : "FAIL");
  std::fflush(stdout);
  if (per_layer) j["per_layer"] = per_layer_sqnr(*q, check);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  bool per_layer = false;
  QuantOptions opts;
  for (; argc > 1; --argc, ++argv) {
    const std::string a = argv[1];
    if (a == "--per-layer") {
      per_layer = true;
    } else if (a == "--method" && argc > 2) {
      opts.method = argv[2];
      --argc, ++argv;
    } else if (a == "--no-bias-correction") {
      opts.bias_correction = false;
    } else {
      break;
    }
  }
  if (argc < 2 || std::string(argv[1]).starts_with("-")) {
    fmt::print(stderr, "usage: cnn_models_check [--per-layer] [--method M] [--no-bias-correction] MODELS_DIR [NAME ...]\n");
    return 2;
  }
  const fs::path dir = argv[1];
  std::vector<std::string> names(argv + 2, argv + argc);
  if (names.empty()) names = {"resnet18", "mobilenet_v2"};
  try {
    const Tensor check = octet::read_npy(dir / "check_inputs.npy");
    const Tensor calib_inputs = octet::read_npy(dir / "calib_inputs.npy");
    bool all_ok = true;
    nlohmann::json summary{
        {"models_dir", dir.string()},
        {"fp32_rel_tolerance", kFp32RelTolerance},
        {"sqnr_target_db", kSqnrTargetDb},
        {"preset", "recommended"},
        {"method", opts.method},
        {"bias_correction", opts.bias_correction},
        {"calibration_samples", calib_inputs.dim(0)},
        {"timing", fmt::format("batch 1, median of {} runs after a warm-up", kTimedRuns)},
        {"kernel_level", std::string(octet::runtime::isa_name(octet::runtime::active_isa()))},
        {"models", nlohmann::json::array()}};
    for (const auto& name : names) {
      try {
        summary["models"].push_back(check_model(dir, name, opts, check, calib_inputs, per_layer, all_ok));
      } catch (const octet::Error& e) {
        fmt::print("{:<13} ERROR: {}\n", name, e.what());
        summary["models"].push_back({{"model", name}, {"error", e.what()}, {"ok", false}});
        all_ok = false;
      }
    }
    summary["ok"] = all_ok;
    fmt::print("{}\n", summary.dump(2));
    return all_ok ? 0 : 1;
  } catch (const octet::Error& e) {
    fmt::print(stderr, "cnn_models_check: {}\n", e.what());
    return 2;
  }
}
