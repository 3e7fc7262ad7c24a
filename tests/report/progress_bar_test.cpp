// The progress bar's line format, and that it stays silent when it must.
#include <gtest/gtest.h>
#include <unistd.h>

#include "octet/progress.h"

namespace octet {
namespace {

TEST(ProgressBar, FormatsLikeTqdm) {
  const std::string line = format_progress_line("train", 3000, 6000, 0.5, "loss 0.5312", 80);
  EXPECT_EQ(line.rfind("train  50%|", 0), 0u) << line;
  EXPECT_NE(line.find("| 3000/6000 [00:00<00:00, 6000.00it/s, loss 0.5312]"), std::string::npos)
      << line;
  EXPECT_NE(line.find("█"), std::string::npos);
}

TEST(ProgressBar, FitsTheWidth) {
  // Every bar cell is one column: full blocks, one partial block, spaces.
  for (int width : {60, 80, 200}) {
    const std::string line = format_progress_line("eval", 1, 3, 1.0, "", width);
    int columns = 0;
    for (unsigned char ch : line) columns += (ch & 0xC0) != 0x80;  // count UTF-8 lead bytes
    EXPECT_EQ(columns, width) << line;
  }
  // Too narrow for a bar: the text alone.
  EXPECT_EQ(format_progress_line("eval", 1, 3, 1.0, "", 10),
            "eval  33% 1/3 [00:01<00:02, 1.00it/s]");
}

TEST(ProgressBar, ShowsCountOnlyWithoutATotalAndSlowRatesPerIteration) {
  EXPECT_EQ(format_progress_line("calib", 7, 0, 14.0, "", 80), "calib 7it [00:14, 2.00s/it]");
  EXPECT_NE(format_progress_line("x", 1, 10, 3725.0, "", 80).find("[1:02:05<"), std::string::npos);
}

TEST(ProgressBar, IsANoOpWhenDisabledOrNotATerminal) {
  ProgressBar off(100, "train", false);
  EXPECT_FALSE(off.active());
  EXPECT_FALSE(off.due());
  off.update(5, "loss 1");
  EXPECT_EQ(off.count(), 0) << "an inactive bar does not even count";
  off.close();
  if (!::isatty(STDERR_FILENO)) {
    ProgressBar bar(100, "train");
    EXPECT_FALSE(bar.active());
  }
}

}  // namespace
}  // namespace octet
