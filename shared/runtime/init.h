#pragma once
// The init a node runs as PID 1 of its PID namespace: starts the node's command, reaps orphans, forwards
// termination signals, and keeps a command-less node alive until it is told to stop.
#include <string>
#include <vector>

namespace nexus::runtime {

class CappedLog;

/// Runs until the command exits (returns its status, 128+signal when killed) or, without a command, until
/// SIGTERM/SIGINT/SIGHUP (returns 0). `report_fd` (or -1) receives a message when the command cannot be
/// executed; init closes it once the command was started. With `log`, the command's stdout and stderr go
/// through a pipe into it (init writes what the command wrote before it exited, then returns); without, the
/// command inherits init's.
int run_node_init(const std::vector<std::string>& command, int report_fd, CappedLog* log = nullptr);

}  // namespace nexus::runtime
