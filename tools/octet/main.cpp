// octet: the command line. Bad usage or bad input exits 2 with one line on stderr, a runtime
// failure exits 1.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "octet/error.h"
#include "octet/text.h"

int main(int argc, char** argv) {
  CLI::App app{"octet: post-training quantization of neural networks (FP32 ONNX -> int8)"};
  app.require_subcommand(1);
  octet::cli::add_train_command(app);
  octet::cli::add_eval_command(app);
  octet::cli::add_calibrate_command(app);
  octet::cli::add_quantize_command(app);
  octet::cli::add_compare_command(app);
  octet::cli::add_inspect_command(app);
  octet::cli::add_demo_command(app);
  octet::cli::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "octet: %s (see octet --help)\n", e.what());
    return 2;
  } catch (const octet::Error& e) {
    // printable: a name quoted from a file may hold a newline or bytes a terminal misreads.
    std::fprintf(stderr, "octet: %s\n", octet::printable(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "octet: failed: %s\n", octet::printable(e.what()).c_str());
    return 1;
  }
  return 0;
}
