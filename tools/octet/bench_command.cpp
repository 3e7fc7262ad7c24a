// octet bench: time models (FP32 or quantized) at each batch size and thread count.
#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "octet/benchmark.h"
#include "octet/error.h"
#include "octet/onnx_io.h"

namespace octet::cli {

void add_bench_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> models;
    std::string batch = "1,10,10000", threads, data, dataset = "fashion-mnist";
    double seconds = 0.5;
    bool json = false;
    NormalizeFlags normalize;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("bench", "Time models per batch size and thread count");
  cmd->add_option("models", f->models, "Models (.onnx), FP32 or quantized")->required();
  cmd->add_option("--batch", f->batch, "Batch sizes, comma-separated")->capture_default_str();
  cmd->add_option("--threads", f->threads, "Thread counts, comma-separated (default: all cores)");
  cmd->add_option("--data", f->data,
                  "IDX directory whose test images feed models of that image size (default: "
                  "data/fashion-mnist when present; other models get random normal inputs)");
  cmd->add_option("--seconds", f->seconds, "Timed seconds per case (median of the runs)")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print one JSON object on stdout");
  f->normalize.add_to(*cmd);
  cmd->callback([f] {
    BenchOptions options;
    options.batches = parse_int_list(f->batch, "--batch", 1);
    options.threads.clear();
    if (f->threads.empty()) {
      options.threads.push_back(default_num_threads());
    } else {
      for (int64_t t : parse_int_list(f->threads, "--threads", 1)) {
        if (t > 1024) fail("--threads: {} must be between 1 and 1024", t);
        options.threads.push_back(static_cast<int>(t));
      }
    }
    if (!(f->seconds > 0) || f->seconds > 600) fail("--seconds: {} must be in (0, 600]", f->seconds);
    options.seconds_per_case = f->seconds;
    std::optional<Dataset> test;
    std::filesystem::path dir = f->data;
    if (dir.empty() && std::filesystem::is_directory(std::filesystem::path("data") / f->dataset))
      dir = std::filesystem::path("data") / f->dataset;
    if (!dir.empty()) {
      test = load_split(dir, Split::kTest);
      options.data = &*test;
      options.data_name = dir.filename().string();
    }
    std::vector<BenchCase> all;
    for (const auto& path : f->models) {
      const Graph graph = load_onnx(path);
      options.norm = resolve_normalization(graph, path, f->normalize);
      options.model_norm = false;  // resolve_normalization already applied the model's
      const Session session = naming_model(path, [&] { return Session(graph); });
      for (auto& c : naming_model(path, [&] { return bench_session(session, path, options); })) {
        if (!f->json)
          fmt::print("{:<40} {:<5} batch {:>6} threads {:>2}  {:>12.3f} us/sample  {:>12.1f} "
                     "samples/s  ({}, {} runs)\n",
                     c.model, c.precision, c.batch, c.threads, c.us_per_sample, c.samples_per_s,
                     c.input, c.runs);
        all.push_back(std::move(c));
      }
    }
    if (f->json) {
      nlohmann::json results = nlohmann::json::array();
      for (const auto& c : all)
        results.push_back({{"model", c.model},
                           {"precision", c.precision},
                           {"batch", c.batch},
                           {"threads", c.threads},
                           {"us_per_sample", c.us_per_sample},
                           {"samples_per_s", c.samples_per_s},
                           {"input", c.input}});
      print_json({{"results", results}});
    }
  });
}

}  // namespace octet::cli
