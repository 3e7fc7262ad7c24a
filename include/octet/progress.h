// A tqdm-like progress bar on stderr for long loops (training, calibration, evaluation).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace octet {

// Draws
//   train  42%|████████▍           | 2519/6000 [00:01<00:01, 21345.67it/s, loss 0.5312]
// on stderr, redrawn in place at most kRedrawSeconds apart, and ends the line when closed.
// It draws only when `enabled` and stderr is a terminal, so logs and pipes stay clean; then
// every call is a cheap no-op and the object costs nothing in a hot loop.
//
//   ProgressBar bar(total, "train");
//   for (...) {
//     ...
//     if (bar.due()) bar.update(1, fmt::format("loss {:.4f}", avg));  // formats only when shown
//     else bar.update(1);
//   }
class ProgressBar {
 public:
  static constexpr double kRedrawSeconds = 0.1;

  // `total` steps expected (<= 0: unknown, the bar shows the count and rate only); `label`
  // starts the line.
  ProgressBar(int64_t total, std::string label, bool enabled = true);
  ~ProgressBar();  // close()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Advances by n steps. A non-empty `postfix` (e.g. "loss 0.53") replaces the text shown
  // after the rate; redraws if the last draw is kRedrawSeconds old.
  void update(int64_t n = 1, std::string_view postfix = {});
  // True if the bar is drawn and the next update() will redraw: callers format their postfix
  // only then.
  bool due() const;
  // Draws the final state and ends the line; later calls do nothing.
  void close(std::string_view postfix = {});

  bool active() const { return active_; }
  int64_t count() const { return count_; }

 private:
  using Clock = std::chrono::steady_clock;
  void draw();

  bool active_ = false;
  int64_t total_ = 0;
  int64_t count_ = 0;
  std::string label_;
  std::string postfix_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

// The text of one bar line, without the carriage return: label, percent, bar, count/total,
// [elapsed<remaining, rate, postfix]. `width` is the terminal width in columns; the bar takes
// what the text leaves. Exposed for tests.
std::string format_progress_line(std::string_view label, int64_t count, int64_t total,
                                 double elapsed_seconds, std::string_view postfix, int width);

}  // namespace octet
