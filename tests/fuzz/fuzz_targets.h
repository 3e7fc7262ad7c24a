// Fuzz entry points, one per loader of untrusted input. Each takes the raw bytes of one input,
// returns 0, and lets nothing but a bug escape: octet::Error (the documented reaction to bad
// input) is caught, anything else (a crash, a sanitizer report, another exception, an
// allocation past libFuzzer's limit) is a finding. libfuzzer_main.cpp turns one of them into a
// libFuzzer binary (cmake -DOCTET_FUZZ=ON, clang); fuzz_replay_test.cpp feeds every committed
// corpus and regression file to all of them in the ordinary test build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace octet::fuzz {

// IDX: the bytes as an image file and as a label file (read_idx_images, read_idx_labels).
int idx(const uint8_t* data, size_t size);
// NumPy .npy: read_npy.
int npy(const uint8_t* data, size_t size);
// ONNX ModelProto bytes: load_onnx, then a Session over the graph (QDQ fusion, weight packing).
int onnx(const uint8_t* data, size_t size);
// Observer statistics JSON (the statistics file format): Observer::from_json, then every
// read-only use a merge step makes of it (range, qparams, to_json, merge with a copy).
int observer_json(const uint8_t* data, size_t size);
// The CLI's number lists: the bytes as --hidden/--batch (parse_int_list) and --mean/--std
// (parse_float_list, Normalization::parse).
int number_list(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // the folder name under tests/fuzz/corpus and tests/fuzz/regressions
  int (*run)(const uint8_t* data, size_t size);
};
// Every target above, by name.
const std::vector<Target>& targets();

// The loaders read paths, so the file-based targets write each input to one scratch file per
// process (in /dev/shm when it exists: no disk traffic) and return its path.
std::filesystem::path scratch_file(std::string_view bytes, const char* extension);

}  // namespace octet::fuzz
