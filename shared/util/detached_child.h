#pragma once
// A forked helper process that the plugin talks to but never waits for.
//
// Some kernel requests finish their visible work quickly and then block the caller in cleanup: deleting a
// link waits for rcu_barrier() after the link is already unlisted (10-30 ms here), and closing an nftables
// socket after deleting set elements waits for their RCU-deferred destruction. A child started with this class
// makes such requests and answers over a LineChannel once the visible work is done; the plugin answers the
// runtime and exits, and the child finishes the kernel's cleanup on its own (re-parented to init).
#include <sys/types.h>

#include <functional>
#include <utility>

#include "shared/util/line_channel.h"

namespace nexus {

class DetachedChild {
 public:
  /// Forks a child that runs body(channel) and _exits with its return value. Call it only while the process has
  /// a single thread (the child is a full copy of the process and may allocate, use libnl, etc.). The child's
  /// stdin, stdout and stderr are /dev/null and it closes every other inherited descriptor: holding the
  /// runtime's stdout pipe, say, would make the runtime wait for the child. Throws cni::Error (999) on failure.
  static DetachedChild start(const std::function<int(LineChannel&)>& body);

  DetachedChild(DetachedChild&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)), channel_(std::move(other.channel_)) {}
  DetachedChild& operator=(DetachedChild&&) = delete;
  /// Closes the channel (the child's receive() returns nullopt) and reaps the child if it has already exited;
  /// a child still running is left to finish alone.
  ~DetachedChild();

  LineChannel& channel() noexcept { return channel_; }

 private:
  DetachedChild(pid_t pid, LineChannel channel) : pid_(pid), channel_(std::move(channel)) {}

  pid_t pid_ = -1;
  LineChannel channel_;
};

}  // namespace nexus
