#pragma once
// The launcher's own failures, told to a person at a terminal: a bad option, no such node, a node not running,
// not root, or a plugin's failure restated with what the launcher was doing. No CNI code: nobody parses the
// launcher's errors, and its exit status is 1 whatever went wrong. main.cpp prints the message and the hint.
#include <stdexcept>
#include <string>

namespace nexus::launcher {

class LauncherError : public std::runtime_error {
 public:
  explicit LauncherError(std::string msg, std::string hint = {})
      : std::runtime_error(std::move(msg)), hint_(std::move(hint)) {}
  /// What to do about it (may be several lines); empty when there is nothing to add.
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string hint_;
};

/// The explanation that goes under any failure the launcher reports: a LauncherError's hint, a plugin's or the
/// runtime's nexus::Error details, else empty.
std::string hint_of(const std::exception& e);

}  // namespace nexus::launcher
