#pragma once
// Starting a node's process: clone into new namespaces, wait for the parent's "go", set up hostname and mounts,
// then run the node init (which runs the command). Setup failures travel back through the SyncPipe.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "shared/runtime/sync_pipe.h"

namespace nexus::runtime {

/// A node's log cap unless told otherwise: 1 MiB (the log and its predecessor).
inline constexpr uint64_t kDefaultLogCap = 1024 * 1024;

/// What the node's process sets up inside its namespaces.
struct NodeProcessSpec {
  std::string hostname;
  std::string hosts_file;   ///< bind-mounted over /etc/hosts
  std::string resolv_file;  ///< bind-mounted over /etc/resolv.conf
  std::string netns_dir;    ///< unmounted inside the node (other nodes' pins must not stay referenced)
  std::string rootfs;       ///< pivot_root target; empty: share the host's root
  std::string log_file;     ///< stdout and stderr of the node (stdin is /dev/null), kept to log_max_bytes
  uint64_t log_max_bytes = kDefaultLogCap;  ///< the log and its one rotated predecessor together (capped_log.h)
  std::vector<std::string> command;  ///< empty: just the init
  std::vector<std::string> env;      ///< the whole environment of the init and the command
};

/// Clones the node process (pid 1 of new net, UTS, PID, IPC and mount namespaces) and returns its pid. The child
/// blocks until `sync.release_child()`; `sync.wait_child_started()` then returns "" or the setup error.
pid_t spawn_node_process(const NodeProcessSpec& spec, SyncPipe& sync);

}  // namespace nexus::runtime
