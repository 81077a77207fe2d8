#pragma once
// Namespaces of a node: creating its process in new ones, pinning its netns, entering them all later.
#include <sys/types.h>

#include <string>

namespace nexus::runtime {

/// The namespaces every node gets: net, UTS, PID, IPC, mount.
int node_namespace_flags();

/// clone(2) used like fork(): the child starts in new namespaces `flags`. Returns the child's pid in the
/// parent and 0 in the child (which is pid 1 of its PID namespace). Throws Error on failure.
pid_t clone_into_namespaces(int flags);

/// Makes `dir` exist and be a shared mount point, as `ip netns` does, so that pins made later show up in (and
/// vanish from) mount namespaces cloned from ours.
void ensure_netns_dir(const std::string& dir);

/// Pins the netns of `pid` at `path` (bind mount of /proc/<pid>/ns/net onto an empty file).
void pin_netns(pid_t pid, const std::string& path);

/// Unmounts and removes a pin; idempotent.
void unpin_netns(const std::string& path);

/// True when `path` is a pinned network namespace.
bool is_netns_pin(const std::string& path);

/// Enters the IPC, UTS, net, PID (for children forked afterwards) and mount namespaces of `pid`.
/// Single-threaded callers only (setns of a mount namespace requires it).
void enter_namespaces(pid_t pid);

}  // namespace nexus::runtime
