#pragma once
// Docker's daemon (Debian docker.io) for neighbour tests, private to one test's host netns: its own data root,
// exec root, socket, pid file and cgroup parent, run by `ip netns exec` (a mount namespace of its own, so every
// mount it makes goes with it), with iptables=true so it sets up its chains and FORWARD policy in that netns.
// The destructor stops it (SIGTERM, then SIGKILL of whatever Docker process is left in the netns) and removes
// its cgroups and directories, whether the test passed or not.
#include <optional>
#include <string>
#include <vector>

#include "tests/testutil/background_command.h"
#include "tests/testutil/command.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

class TestNetns;

class PrivateDockerd {
 public:
  /// Starts dockerd in `host` and waits until it answers (the test fails, REQUIRE, when docker.io is missing or
  /// the daemon does not come up; its log is in the message).
  explicit PrivateDockerd(const TestNetns& host);
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;

  /// `docker <args>` against this daemon.
  CommandResult docker(const std::vector<std::string>& args, int timeout_ms = 30000) const;
  /// Imports image "nexus-busybox:test", made offline from the host's busybox-static (bin/busybox and links).
  void import_busybox() const;
  /// Stops the daemon and starts it again with the same roots (its chains are set up anew); waits until it answers.
  void restart();
  /// The daemon's log so far.
  std::string log() const;

 private:
  void start();
  void stop() noexcept;

  const TestNetns& host_;
  TempDir dir_;
  std::string cgroup_parent_;
  std::optional<BackgroundCommand> daemon_;  // ip netns exec, which becomes the start script, then dockerd
};

}  // namespace nexus::testutil
