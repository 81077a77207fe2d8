#pragma once
// A real firewalld (nftables backend) in the calling thread's netns, for the neighbour tests, on a D-Bus system
// bus of its own: dbus-daemon listening in a temp dir (DBUS_SYSTEM_BUS_ADDRESS points there for firewall-cmd),
// firewalld reading and writing its configuration in a copy of /etc/firewalld (--system-config), in a private
// mount namespace with a tmpfs on /run (its temp files), logging to a file. Nothing of it reaches the real host:
// its rules are in the test's netns, and both daemons are this process's children, stopped and reaped in the
// destructor, pass or fail. The constructor fails the test (REQUIRE) when firewalld is not installed or does not
// come up: a neighbour test never silently skips.
#include <sys/types.h>

#include <string>

#include "tests/testutil/command.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

class FirewalldDaemon {
 public:
  FirewalldDaemon();
  ~FirewalldDaemon();
  FirewalldDaemon(const FirewalldDaemon&) = delete;
  FirewalldDaemon& operator=(const FirewalldDaemon&) = delete;

  /// Runs `sh -c commands` (firewall-cmd ...) on this firewalld's bus, where the caller is.
  CommandResult run(const std::string& commands) const;
  /// run() that must succeed (REQUIRE, printing its output).
  void run_ok(const std::string& commands) const;
  /// firewalld's log so far (for failure messages).
  std::string log() const;

 private:
  void stop() noexcept;

  TempDir dir_;
  std::string bus_;  // "unix:path=<dir>/bus"
  pid_t dbus_ = -1;
  pid_t firewalld_ = -1;
};

}  // namespace nexus::testutil
