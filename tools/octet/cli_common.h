// Flag parsing and data/model look-ups shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/error.h"
#include "octet/graph.h"
#include "number_list.h"

namespace octet::cli {

// --override NAME=METHOD items -> {NAME: METHOD}; throws octet::Error naming the item when it
// has no '=', an empty side, an unknown method, or repeats a NAME.
std::map<std::string, std::string> parse_overrides(const std::vector<std::string>& items);

// --mean / --std given on the command line (empty strings when absent).
struct NormalizeFlags {
  std::string mean, std;
  void add_to(CLI::App& cmd);
};
// The model's octet.normalize, overridden by --mean/--std when both are given; an error when
// only one is.
Normalization resolve_normalization(const Graph& graph, const std::string& model_path,
                                    const NormalizeFlags& flags);

// --threads N (default: all cores) for commands that run models; apply() sets the runtime's
// thread count when the flag was given.
struct ThreadsFlag {
  int threads = -1;  // -1: not given
  void add_to(CLI::App& cmd);
  void apply() const;
};

// Loads the train or test split from an IDX directory (torchvision raw layout).
Dataset load_split(const std::filesystem::path& dir, Split split);

// The data directory for a named data set: data/<name> under the working directory, or the
// Debian package's copy of Fashion-MNIST. Throws octet::Error saying how to prepare it.
std::filesystem::path default_data_dir(const std::string& dataset);

// Runs `body` on the model read from `model_path`. The runtime names the node at fault ("node
// 'fc1' (Gemm): ...") but not the file it came from: such an octet::Error is rethrown with
// `model_path` in front, so that the CLI's one-line message names the file too.
template <typename F>
decltype(auto) naming_model(const std::string& model_path, F&& body) {
  try {
    return body();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind("node ", 0) != 0) throw;
    throw Error(model_path + ": " + what);
  }
}

// Prints one JSON object on stdout (the only thing --json writes there).
void print_json(const nlohmann::json& j);

}  // namespace octet::cli
