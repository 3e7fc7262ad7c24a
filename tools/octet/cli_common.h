// Flag parsing and data/model look-ups shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/graph.h"

namespace octet::cli {

// "50,80,30" -> {50, 80, 30}; throws octet::Error naming `flag` on empty items, non-numbers or
// values below `min_value`.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag,
                                    int64_t min_value);
// "0.1307" or "0.485,0.456,0.406" -> floats; throws octet::Error naming `flag`.
std::vector<float> parse_float_list(const std::string& text, const std::string& flag);

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

// Prints one JSON object on stdout (the only thing --json writes there).
void print_json(const nlohmann::json& j);

}  // namespace octet::cli
