// libFuzzer's entry point for one target, chosen at compile time with -DOCTET_FUZZ_ENTRY=name
// (see tests/fuzz/CMakeLists.txt): one binary per target, as libFuzzer expects.
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return octet::fuzz::OCTET_FUZZ_ENTRY(data, size);
}
