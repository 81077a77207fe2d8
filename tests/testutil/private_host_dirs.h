#pragma once
// Host directories a program hard-codes (ctr's /etc/cni/net.d and /opt/cni/bin, libcni's /var/lib/cni,
// containerd's shim sockets in /run/containerd) replaced by temp dirs for that program only: it runs in a
// private mount namespace where each temp dir is bind-mounted over its host path. The host's directories are
// never written, and the mounts vanish with the namespace's last process.
#include <string>
#include <utility>
#include <vector>

namespace nexus::testutil {

/// (host path, temp dir to put over it)
using HostDirReplacement = std::pair<std::string, std::string>;

/// A `sh` script prologue for `unshare --mount --propagation private sh -c ...`: bind-mounts each temp dir over
/// its host path and exits 1 when a mount fails. A host path that does not exist is not created on the host:
/// its nearest existing ancestor gets an overlay (upper and work dirs in `scratch`) in which it is made.
std::string private_host_dirs_script(const std::vector<HostDirReplacement>& dirs, const std::string& scratch);

}  // namespace nexus::testutil
