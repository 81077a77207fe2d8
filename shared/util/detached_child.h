#pragma once
// A forked helper process that the plugin talks to but never waits for.
//
// Some kernel requests finish their visible work quickly and then block the caller in cleanup: deleting a
// link waits for rcu_barrier() after the link is already unlisted (10-30 ms here), and closing an nftables
// socket after deleting set elements waits for their RCU-deferred destruction. A child started with this class
// makes such requests and answers over a LineChannel once the visible work is done; the plugin answers the
// runtime and exits without waiting for it.
//
// The child dies with the plugin (PR_SET_PDEATHSIG, SIGKILL), whether the plugin answered or was killed. After
// an answer, all that is left to it is the kernel's cleanup, which the kernel completes anyway: a request under
// way finishes before the signal is acted on, and the exit closes the sockets just as the child would have.
// Before an answer, what it would still do is not a decision the plugin can stand by: the runtime, having got
// no result, runs DEL, and a helper that added a masquerade element after that DEL, or removed one by address
// after the DEL freed the address for another container, would leave the host wrong. So it does nothing more
// and the runtime's DEL, idempotent, does the whole job.
#include <sys/types.h>

#include <functional>
#include <utility>

#include "shared/util/line_channel.h"

namespace nexus {

class DetachedChild {
 public:
  /// Forks a child that runs body(channel) and _exits with its return value, or is killed when the calling
  /// thread exits. Call it only while the process has a single thread (the child is a full copy of the
  /// process and may allocate, use libnl, etc.). The child's
  /// stdin, stdout and stderr are /dev/null and it closes every other inherited descriptor: holding the
  /// runtime's stdout pipe, say, would make the runtime wait for the child. Throws Error (999) on failure.
  static DetachedChild start(const std::function<int(LineChannel&)>& body);

  DetachedChild(DetachedChild&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)), channel_(std::move(other.channel_)) {}
  DetachedChild& operator=(DetachedChild&&) = delete;
  /// Closes the channel (the child's receive() returns nullopt) and reaps the child if it has already exited;
  /// a child still running is not waited for (it dies when the process exits).
  ~DetachedChild();

  LineChannel& channel() noexcept { return channel_; }

 private:
  DetachedChild(pid_t pid, LineChannel channel) : pid_(pid), channel_(std::move(channel)) {}

  pid_t pid_ = -1;
  LineChannel channel_;
};

}  // namespace nexus
