// Flag parsing and data/model look-ups shared by the subcommands.
#include "cli_common.h"

#include <cstdio>

#include <fmt/ranges.h>

#include <algorithm>

#include "octet/error.h"
#include "octet/observer.h"
#include "octet/evaluate.h"
#include "octet/runtime.h"

namespace octet::cli {

namespace fs = std::filesystem;

std::map<std::string, std::string> parse_overrides(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  const std::vector<std::string> methods = observer_methods();
  for (const std::string& item : items) {
    const size_t eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      fail("--override: '{}' is not NAME=METHOD", item);
    const std::string name = item.substr(0, eq), method = item.substr(eq + 1);
    if (std::find(methods.begin(), methods.end(), method) == methods.end())
      fail("--override {}: unknown method '{}' (known: {})", item, method, fmt::join(methods, ", "));
    if (!out.emplace(name, method).second)
      fail("--override: tensor '{}' is given twice", name);
  }
  return out;
}

void NormalizeFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--mean", mean, "Per-channel pixel mean (pixels scaled to [0,1]); overrides the model's");
  cmd.add_option("--std", std, "Per-channel pixel std; overrides the model's octet.normalize");
}

Normalization resolve_normalization(const Graph& graph, const std::string& model_path,
                                    const NormalizeFlags& flags) {
  if (flags.mean.empty() != flags.std.empty()) fail("--mean and --std must be given together");
  if (flags.mean.empty()) return model_normalization(graph, model_path);
  Normalization n;
  n.mean = parse_float_list(flags.mean, "--mean");
  n.std = parse_float_list(flags.std, "--std");
  if (n.mean.size() != n.std.size())
    fail("--mean has {} values but --std has {}", n.mean.size(), n.std.size());
  for (float s : n.std)
    if (s <= 0) fail("--std: {} must be > 0", s);
  return n;
}

Dataset load_split(const fs::path& dir, Split split) {
  return load_idx_dataset(dir, split);
}

void ThreadsFlag::add_to(CLI::App& cmd) {
  cmd.add_option("--threads", threads, "Threads for the kernels (default: all cores)");
}

void ThreadsFlag::apply() const {
  if (threads != -1) set_num_threads(threads);
}

fs::path default_data_dir(const std::string& dataset) {
  const fs::path local = fs::path("data") / dataset;
  if (fs::is_directory(local)) return local;
  if (dataset == "fashion-mnist" && fs::is_directory("/usr/share/datasets/fashion-mnist"))
    return "/usr/share/datasets/fashion-mnist";
  fail("data set '{}' not found at {}; run scripts/setup (or pass --data DIR)", dataset,
       local.string());
}

void print_json(const nlohmann::json& j) {
  const std::string text = j.dump(2);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace octet::cli
