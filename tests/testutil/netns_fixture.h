#pragma once
// Throwaway network namespaces for tests. A test that creates interfaces does it inside a HostNetns so nothing
// touches the machine's real interfaces; containers are TestNetns objects it never enters.
#include <string>
#include <vector>

#include "shared/util/unique_fd.h"
#include "tests/testutil/command.h"

namespace nexus::testutil {

/// A named network namespace bound at /run/netns/<name> (so `ip netns exec <name>` and CNI_NETNS work).
/// Created fresh in the constructor, unmounted and removed in the destructor. Never entered by this object.
/// Namespaces are not hierarchical: one created while inside a HostNetns is a sibling, not a child.
class TestNetns {
 public:
  /// Creates a netns named nxt-<pid>-<counter> (prefix overridable) with `lo` down, as a fresh netns has it.
  explicit TestNetns(const std::string& prefix = "nxt");
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  virtual ~TestNetns();

  /// "nxt-1234-5"
  const std::string& name() const noexcept { return name_; }
  /// "/run/netns/nxt-1234-5": the value for CNI_NETNS.
  const std::string& path() const noexcept { return path_; }
  /// An fd of the namespace (valid for the object's lifetime).
  int fd() const noexcept { return fd_.get(); }
  /// Brings `lo` up inside the namespace without entering it for longer than the call.
  void set_lo_up() const;

 private:
  std::string name_;
  std::string path_;
  UniqueFd fd_;
};

/// What a container netns is for a test: a TestNetns the test never enters.
using ContainerNetns = TestNetns;

/// The test's throwaway "host": a fresh TestNetns that the calling thread enters (setns) for the object's
/// lifetime, with `lo` up. Processes the test spawns from this thread (plugins, ip, ping) run inside it.
/// The destructor switches back to the original netns (abort if that fails: later tests would run on the real
/// host) and deletes the namespace, which destroys every interface created in it.
class HostNetns : public TestNetns {
 public:
  explicit HostNetns(const std::string& prefix = "nxt");
  ~HostNetns() override;

 private:
  UniqueFd home_;  // the netns the thread was in before
};

/// Runs `sh -c shell_command` inside `ns` (the child enters it; the caller stays where it is).
CommandResult run_in_netns(const TestNetns& ns, const std::string& shell_command, CommandOptions options = {});
/// Runs argv inside `ns`.
CommandResult run_in_netns(const TestNetns& ns, const std::vector<std::string>& argv, CommandOptions options = {});
/// Inode of the netns the calling thread is in (to compare namespaces in tests).
unsigned long current_netns_inode();

}  // namespace nexus::testutil
