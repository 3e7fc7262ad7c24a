// Replays every committed fuzz input (tests/fuzz/corpus/<target>/ and the crashes found so far,
// tests/fuzz/regressions/<target>/) through its fuzz entry point in the ordinary build, so a
// fixed crash stays fixed without clang or libFuzzer. Under scripts/sanitize the same replay
// runs with ASan and UBSan.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/fuzz_targets.h"
#include "test_util.h"

namespace octet::fuzz {
namespace {

using test::read_bytes;

namespace fs = std::filesystem;

// Feeds every file under tests/fuzz/<kind>/<target>/ to the target; returns the count.
int replay(const Target& target, const char* kind) {
  const fs::path dir = fs::path(test::source_dir()) / "tests/fuzz" / kind / target.name;
  if (!fs::is_directory(dir)) return 0;
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().string());
    const std::string bytes = read_bytes(entry.path());
    EXPECT_EQ(target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++n;
  }
  return n;
}

TEST(FuzzReplay, EveryTargetHasASeedCorpus) {
  for (const Target& t : targets()) {
    SCOPED_TRACE(t.name);
    // A target without seeds would start from nothing and fuzz far less deep.
    EXPECT_GE(replay(t, "corpus"), 3);
  }
}

TEST(FuzzReplay, RegressionsStayFixed) {
  for (const Target& t : targets()) replay(t, "regressions");
}

}  // namespace
}  // namespace octet::fuzz
