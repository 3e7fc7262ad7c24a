// Loading the calibration data named by --calib (shared by quantize and calibrate).
#include "calib_source.h"

#include <filesystem>

#include "cli_common.h"
#include "octet/error.h"
#include "octet/npy.h"

namespace octet::cli {

CalibSource load_calib_source(const std::string& path, const std::string& calib_set, bool set_given,
                              int64_t count) {
  if (count <= 0) fail("--calib-count: {} must be > 0", count);
  CalibSource s;
  s.path = path;
  // --calib FILE.npy: model inputs without labels, so accuracy only on an explicit --data.
  const bool npy =
      std::filesystem::path(path).extension() == ".npy" || std::filesystem::is_regular_file(path);
  if (npy && set_given)
    fail("--calib-set: applies to an IDX directory, not to the .npy file {}", path);
  if (npy) {
    s.inputs = read_npy(path);
    s.split = "npy";
    if (s.inputs->dtype() != DType::kF32 || s.inputs->rank() < 2)
      fail("{}: holds {} {}, expected float32 model inputs [N,...]", path,
           dtype_name(s.inputs->dtype()), shape_str(s.inputs->shape()));
  } else {
    s.set = load_split(path, calib_set == "test" ? Split::kTest : Split::kTrain);
    s.split = calib_set;
  }
  if (count > s.size())
    fail("--calib-count: {} exceeds the {} {} of {}", count, s.size(), npy ? "samples" : "images",
         path);
  return s;
}

}  // namespace octet::cli
