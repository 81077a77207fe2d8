#pragma once
// The mount work a node's process does in its own mount namespace before its program starts.
#include <string>

namespace nexus::runtime {

/// Stops mount events of this namespace from reaching the host (recursive slave: host events still arrive).
void make_mounts_private_to_node();

/// Bind-mounts file `source` over `target` (created empty when missing, e.g. in a bare rootfs).
void bind_file(const std::string& source, const std::string& target);

/// Detaches the mount at `path` from this namespace if there is one (used for the netns pin directory, so a
/// node does not keep other nodes' network namespaces alive).
void detach_mount(const std::string& path);

/// Covers directory `path` with an empty read-only tmpfs in this namespace (no-op when it does not exist). The
/// netns pin directory gets one after detach_mount: detaching leaves the pins' plain mount-point files visible,
/// and iproute2 (`ip addr`, naming a veth peer's link-netnsid) opens every file of /run/netns and asks the kernel
/// for its nsid, which fails with "Peer netns reference is invalid." for a file that is no netns.
void hide_directory(const std::string& path);

/// pivot_root into `rootfs` and drop the old root.
void pivot_into(const std::string& rootfs);

/// Mounts a fresh procfs at /proc (shows this PID namespace only).
void mount_proc();

}  // namespace nexus::runtime
