#pragma once
// The network's lock, shared with host-local: flock(LOCK_EX) on <dataDir>/<network>/lock (host-local's
// disk backend locks exactly that file through go-filemutex, which uses flock), so both plugins serialise.
#include <chrono>

#include "shared/util/unique_fd.h"

namespace nexus::ipam {

/// An exclusive flock held on a file; released (LOCK_UN) in the destructor.
class FileLock {
 public:
  /// Opens or creates `name` (0600) under `dir` without following symlinks; does not lock yet.
  static UniqueFd open_lock_file(int dir, const char* name);
  /// Waits up to `timeout` for LOCK_EX on `fd`; throws Error(TryAgainLater) when it expires.
  FileLock(int fd, std::chrono::milliseconds timeout);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

 private:
  int fd_;  // not owned: the store keeps the fd open for its lifetime
};

}  // namespace nexus::ipam
