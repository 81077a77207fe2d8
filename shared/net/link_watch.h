#pragma once
// Waiting for a link to disappear. The kernel unlists a deleted link (name, addresses, routes and bridge port
// gone, RTM_DELLINK sent) within a millisecond; the deleting request itself returns only after an
// rcu_barrier(), 10-30 ms later. Watching for the unlisting lets a plugin answer without that wait.
#include "shared/util/unique_fd.h"

namespace nexus::net {

class LinkGoneWatch {
 public:
  /// Subscribes to link events of the calling thread's netns; create it before the deletion is requested.
  explicit LinkGoneWatch(int index);

  /// Readable when link events arrive, for poll() alongside other fds.
  int poll_fd() const noexcept { return sock_.get(); }
  /// Drains the pending events and says whether the link has been deleted (or moved out of the netns) since
  /// the watch was created.
  bool gone();

 private:
  int index_;
  UniqueFd sock_;
  bool gone_ = false;
};

}  // namespace nexus::net
