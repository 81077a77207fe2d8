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

// A rootfs is the user's tree, maybe hostile. Before pivoting into it, every path inside it is resolved within
// it from its directory fd `root`: "/" and ".." stop at the rootfs, and the links procfs shows (/proc/self/fd/N,
// /proc/1/root...) are refused (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). So a rootfs whose etc,
// etc/hosts, proc, dev or sys is a symlink, absolute or with a chain of "..", cannot make the node create, cover
// or change anything outside it. Mounts go onto the resolved file by its fd.

/// Bind-mounts the host file `source` onto `path` of the rootfs (relative, e.g. "etc/hosts"), creating it and its
/// parent directories when missing. A target that exists and is no regular file is refused (code 7).
void bind_file_in_root(int root, const std::string& source, const std::string& path);

/// Mounts a fresh procfs (this PID namespace's) at the rootfs's /proc.
void mount_proc_in_root(int root);

/// A fresh /dev for the rootfs (tmpfs with null, zero, full, random, urandom, tty, a private devpts at /dev/pts
/// with /dev/ptmx, a tmpfs /dev/shm, and the fd, stdin, stdout and stderr links) and a read-only sysfs at /sys.
void mount_dev_and_sys(int root);

}  // namespace nexus::runtime
