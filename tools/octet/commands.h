// The subcommands of the octet CLI, one file each; every one is a thin wrapper over liboctet.
#pragma once

#include <CLI/CLI.hpp>

namespace octet::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_quantize_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_compare_command(CLI::App& app);

}  // namespace octet::cli
