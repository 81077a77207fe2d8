#pragma once
// Running programs from tests (ip, nft, ping, the plugins) and capturing what they print.
#include <optional>
#include <string>
#include <vector>

namespace nexus::testutil {

/// Output of a finished command.
struct CommandResult {
  int exit_code = -1;  ///< exit status; 128+signal if killed; -1 if it timed out (then it was SIGKILLed)
  std::string out;     ///< everything it wrote to stdout
  std::string err;     ///< everything it wrote to stderr
};

/// How to run a command; every field is optional.
struct CommandOptions {
  std::string stdin_data{};            ///< written to the command's stdin, which is then closed
  std::vector<std::string> env{};      ///< "K=V" entries added to (or overriding) the inherited environment
  bool clear_env = false;              ///< start from an empty environment instead of the inherited one
  int netns_fd = -1;                   ///< if >= 0, the child enters this netns before exec
  /// Give the child a private mount namespace with a fresh /sys, as `ip netns exec` does, so /sys/class/net
  /// shows its netns. Default: only when netns_fd >= 0. Mounts the child makes (e.g. /run/netns/x) are then not
  /// seen by the test, so leave it off for programs that create namespaces.
  std::optional<bool> fresh_sysfs{};
  int timeout_ms = 30000;              ///< killed after this long
};

/// Runs argv[0] (searched in PATH) with the given arguments and waits for it.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});
/// Runs `sh -c shell_command` where the caller is (inside its HostNetns if it has one).
CommandResult run_shell(const std::string& shell_command, const CommandOptions& options = {});

}  // namespace nexus::testutil
