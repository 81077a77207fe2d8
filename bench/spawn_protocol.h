#pragma once
// The messages between nexus-bench and nexus-bench-spawner over a SOCK_SEQPACKET pair: one message each.
#include <cstdint>

namespace nexus::bench::spawn_protocol {

enum class RequestType : uint32_t {
  Spawn = 1,  ///< + SCM_RIGHTS [stdin, stdout, stderr]; payload: path, netns path, argv..., "", env..., ""
  Kill = 2,   ///< SIGKILL the child of this id if it still runs (its Exited message follows as usual)
};

struct Request {
  RequestType type;
  uint32_t reserved = 0;
  uint64_t id = 0;
  int64_t timeout_ms = 0;  ///< the spawner kills the child this long after its start; 0: never
  // Spawn: NUL-terminated strings follow the header.
};

/// The one reply, sent when a child has exited (or could not be started: status then is exit 126/127).
struct Exited {
  uint64_t id = 0;
  int32_t status = 0;         ///< raw wait status
  uint32_t timed_out = 0;     ///< 1 when the spawner killed it at its deadline
  int64_t start_ns = 0;       ///< CLOCK_MONOTONIC just before the spawn
  int64_t end_ns = 0;         ///< CLOCK_MONOTONIC when its exit was seen
  int64_t maxrss_kb = 0;      ///< wait4 ru_maxrss
};

constexpr size_t kMaxRequestBytes = 64 * 1024;

}  // namespace nexus::bench::spawn_protocol
