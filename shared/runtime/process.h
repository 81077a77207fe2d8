#pragma once
// Processes a node is made of: identity that survives pid reuse, and stopping one that is not our child.
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace nexus::runtime {

/// The kernel's start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22); nullopt if gone.
std::optional<uint64_t> process_start_time(pid_t pid);

/// True when `pid` runs and is the process that started at `start_time` (not a reused pid), and not a zombie.
bool process_alive(pid_t pid, uint64_t start_time);

/// SIGTERM, up to `grace_ms` to exit, then SIGKILL and wait for the exit. Does nothing when the process is
/// already gone or `pid` now names another process. Reaps it when it is our child.
void stop_process(pid_t pid, uint64_t start_time, int grace_ms);

}  // namespace nexus::runtime
