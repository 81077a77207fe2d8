#pragma once
// Parent/child handshake around a node's start: the child waits until the parent has set up its network, then
// reports any setup failure back before running the node's program (close-on-exec EOF means "started").
#include <string>

#include "shared/util/unique_fd.h"

namespace nexus::runtime {

class SyncPipe {
 public:
  /// Two close-on-exec pipes: parent->child "go", child->parent error text.
  static SyncPipe create();

  // Parent side (after fork/clone, call close_child_ends() first).
  /// Lets the child proceed.
  void release_child();
  /// Blocks until the child closed its report end; returns what it reported ("" = started fine).
  std::string wait_child_started();
  /// Drops the child's ends in the parent.
  void close_child_ends();

  // Child side (call close_parent_ends() first).
  /// Blocks until the parent released us; false when the parent gave up (closed without "go").
  bool wait_for_parent();
  /// Sends an error message to the parent (best effort; the parent reads it after our exit).
  void report_error(const std::string& message);
  /// Drops the parent's ends in the child.
  void close_parent_ends();
  /// Closes the report end (after a successful setup when no exec follows).
  void close_report();
  /// The child's report fd (kept open across fork for a last-moment exec failure).
  int report_fd() const { return report_write_.get(); }
  /// The child's "go" fd.
  int go_fd() const { return go_read_.get(); }
  /// Renumbers the child's two fds to `go` and `report` (so the child can close everything else).
  void move_child_ends(int go, int report);

 private:
  UniqueFd go_read_, go_write_, report_read_, report_write_;
};

}  // namespace nexus::runtime
