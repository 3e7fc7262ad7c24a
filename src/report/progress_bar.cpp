// The tqdm-like progress bar: drawn on stderr only when it is a terminal, rate-limited.
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "octet/progress.h"

namespace octet {

namespace {

constexpr int kDefaultWidth = 80;

// "mm:ss", or "h:mm:ss" from an hour on.
std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

// `cells` columns of full blocks and one partial eighth block, like tqdm.
std::string bar_cells(double fraction, int cells) {
  static constexpr const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  const double filled = std::clamp(fraction, 0.0, 1.0) * cells;
  const int full = static_cast<int>(filled);
  const int eighths = static_cast<int>((filled - full) * 8);
  std::string out;
  for (int i = 0; i < full; ++i) out += "█";
  int used = full;
  if (full < cells && eighths > 0) {
    out += kEighths[eighths];
    ++used;
  }
  out.append(static_cast<size_t>(cells - used), ' ');
  return out;
}

int terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return kDefaultWidth;
}

}  // namespace

std::string format_progress_line(std::string_view label, int64_t count, int64_t total,
                                 double elapsed_seconds, std::string_view postfix, int width) {
  const double rate = elapsed_seconds > 0 ? static_cast<double>(count) / elapsed_seconds : 0.0;
  const std::string rate_text = rate == 0.0   ? std::string("?it/s")
                                : rate >= 1.0 ? fmt::format("{:.2f}it/s", rate)
                                              : fmt::format("{:.2f}s/it", 1.0 / rate);
  const std::string tail = postfix.empty() ? "" : fmt::format(", {}", postfix);
  if (total <= 0) {
    return fmt::format("{} {}it [{}, {}{}]", label, count, format_duration(elapsed_seconds),
                       rate_text, tail);
  }
  const double fraction = static_cast<double>(std::min(count, total)) / static_cast<double>(total);
  const std::string remaining =
      rate > 0 ? format_duration(static_cast<double>(std::max<int64_t>(0, total - count)) / rate)
               : "?";
  const std::string left =
      fmt::format("{} {:3d}%", label, static_cast<int>(std::floor(fraction * 100)));
  const std::string right =
      fmt::format(" {}/{} [{}<{}, {}{}]", count, total, format_duration(elapsed_seconds), remaining,
                  rate_text, tail);
  // Left and right are ASCII apart from the label, so their byte length is their width.
  const int cells = width - static_cast<int>(left.size() + right.size()) - 2;
  if (cells < 4) return left + right;
  return left + "|" + bar_cells(fraction, cells) + "|" + right;
}

ProgressBar::ProgressBar(int64_t total, std::string label, bool enabled)
    : active_(enabled && ::isatty(STDERR_FILENO) == 1), total_(total), label_(std::move(label)) {
  if (!active_) return;
  start_ = Clock::now();
  draw();
}

ProgressBar::~ProgressBar() {
  close();
}

bool ProgressBar::due() const {
  return active_ &&
         std::chrono::duration<double>(Clock::now() - last_draw_).count() >= kRedrawSeconds;
}

void ProgressBar::update(int64_t n, std::string_view postfix) {
  if (!active_) return;
  count_ += n;
  if (!postfix.empty()) postfix_.assign(postfix);
  if (due()) draw();
}

void ProgressBar::close(std::string_view postfix) {
  if (!active_) return;
  if (!postfix.empty()) postfix_.assign(postfix);
  draw();
  std::fputc('\n', stderr);
  std::fflush(stderr);
  active_ = false;
}

void ProgressBar::draw() {
  last_draw_ = Clock::now();
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  // One column short of the width: writing the last column makes some terminals wrap.
  const std::string line =
      format_progress_line(label_, count_, total_, elapsed, postfix_, terminal_width() - 1);
  // \r returns to the line start, ESC[K clears what a longer previous line left behind.
  const std::string out = "\r" + line + "\x1b[K";
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace octet
