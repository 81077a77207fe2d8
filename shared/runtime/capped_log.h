#pragma once
// A node's log, kept to a size cap on disk: <dir>/<name> takes the output and, when the next write would take it
// past half the cap, becomes <name>.1 (replacing the previous one) while a new <name> starts, so the newest
// output is always kept and the two files together never pass the cap. It works through a directory fd, so the
// node's init keeps writing after it pivoted into its rootfs, where the node directory is out of sight.
#include <cstddef>
#include <cstdint>
#include <string>

#include "shared/util/unique_fd.h"

namespace nexus::runtime {

/// The smallest cap: two files of one pipe buffer's worth each.
inline constexpr uint64_t kMinLogCap = 128 * 1024;

class CappedLog {
 public:
  /// Appends to <dir>/<name> (created 0600 if missing). `max_bytes` >= kMinLogCap.
  CappedLog(UniqueFd dir, std::string name, uint64_t max_bytes);

  /// Appends `data`, rotating first when it would not fit; of a chunk bigger than half the cap only its end is
  /// kept. Best effort: a failing disk must not stop the node, so errors are dropped.
  void write(const char* data, size_t size) noexcept;

 private:
  void open_current() noexcept;
  void rotate() noexcept;

  UniqueFd dir_;
  std::string name_;
  uint64_t half_;
  UniqueFd file_;
  uint64_t size_ = 0;
};

}  // namespace nexus::runtime
