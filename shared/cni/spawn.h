#pragma once
// Starting a plugin process: posix_spawn's speed (the child shares our memory until it execs, so no page
// tables are copied) plus what posix_spawn cannot do, a parent-death signal set before the exec.
#include <sys/types.h>

#include <string>

namespace nexus::cni {

struct SpawnRequest {
  const std::string* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // become the child's 0, 1, 2; -1: the child keeps ours
  /// PR_SET_PDEATHSIG(SIGKILL): the child dies when the thread that spawned it exits, however it exits
  /// (SIGKILL, OOM kill, a runtime's timeout). Spawn from a thread that outlives the child: in a
  /// single-threaded plugin, that is the process.
  bool die_with_parent = false;
};

/// Starts the executable; the child gets default dispositions for the signals we catch or ignore, and our
/// signal mask. Throws (code 999) when it cannot start, the exec's own error included.
pid_t spawn_plugin_process(const SpawnRequest& request);

}  // namespace nexus::cni
