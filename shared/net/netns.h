#pragma once
// Network namespace handles. Switch rarely and always switch back: a thread left in the wrong netns would
// configure the wrong host.
#include <string>

#include "shared/util/unique_fd.h"

namespace nexus::net {

/// Owns an fd of a network namespace.
class Netns {
 public:
  /// Opens the netns at `path` (e.g. CNI_NETNS, /run/netns/x, /proc/<pid>/ns/net). Throws Error code 8
  /// (InvalidNetns) if the path does not exist or is not a network namespace.
  static Netns open(const std::string& path);
  /// The netns the calling thread is in now.
  static Netns current();

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }
  /// Inode of the namespace: equal inodes (on nsfs) mean the same namespace.
  unsigned long inode() const;
  /// Switches the calling thread into this namespace. Prefer NetnsGuard, which also switches back.
  void enter() const;

 private:
  Netns(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

/// True when `path` (CNI_NETNS, /run/netns/x, /proc/<pid>/ns/net...) names the network namespace the calling
/// thread is in: the same nsfs inode (st_dev and st_ino), whatever path leads to it. False when it names another
/// namespace, something else, or nothing that can be examined (the caller's own checks report those).
bool is_current_netns(const std::string& path);

/// Enters `target` for the guard's scope. Leaving is not optional: if switching back fails the process aborts,
/// since whatever runs next would act on the wrong namespace.
class NetnsGuard {
 public:
  explicit NetnsGuard(const Netns& target);
  ~NetnsGuard();
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;

 private:
  Netns home_;
};

}  // namespace nexus::net
