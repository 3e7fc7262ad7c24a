// The target table and the scratch file the file-based fuzz targets share.
#include "fuzz_targets.h"

#include <unistd.h>

#include <fstream>
#include <set>
#include <string>

#include "octet/error.h"

namespace octet::fuzz {

namespace fs = std::filesystem;

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {{"idx", idx},
                                          {"npy", npy},
                                          {"onnx", onnx},
                                          {"observer_json", observer_json},
                                          {"number_list", number_list}};
  return all;
}

namespace {
// The scratch files this process made, removed when it exits normally.
struct ScratchFiles {
  std::set<fs::path> paths;
  ~ScratchFiles() {
    std::error_code ec;
    for (const auto& p : paths) fs::remove(p, ec);
  }
};
}  // namespace

fs::path scratch_file(std::string_view bytes, const char* extension) {
  static const fs::path dir = fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                            : fs::temp_directory_path();
  static ScratchFiles made;
  const fs::path file =
      dir / ("octet-fuzz-" + std::to_string(::getpid()) + "-input" + extension);
  made.paths.insert(file);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  OCTET_CHECK(out.good(), "cannot write the fuzz scratch file {}", file.string());
  return file;
}

}  // namespace octet::fuzz
