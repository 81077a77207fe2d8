#pragma once
// `node exec -t`: the command runs on a new pseudo-terminal, whose other end we relay to our own stdin and
// stdout. Our terminal, when stdin is one, is in raw mode meanwhile (keys such as ^C reach the command's
// terminal, which turns them into signals there) and restored on every way out.
#include "shared/util/unique_fd.h"

namespace nexus::launcher {

class PseudoTerminal {
 public:
  /// A new pty pair, the window size copied from our terminal when stdin is one. Throws on failure.
  static PseudoTerminal open();

  /// In the forked child: a new session with the pty as its controlling terminal and stdin/stdout/stderr.
  /// Returns false when that fails (the child then exits).
  bool become_controlling_terminal() noexcept;
  /// In the parent after the fork: copies stdin to the command's terminal and its output to stdout until the
  /// command side closes it (the command and everything it started that kept it open have exited).
  void relay();

 private:
  PseudoTerminal(UniqueFd master, UniqueFd slave) : master_(std::move(master)), slave_(std::move(slave)) {}
  UniqueFd master_;
  UniqueFd slave_;
};

}  // namespace nexus::launcher
