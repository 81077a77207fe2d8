#pragma once
// The cgroup a test's runtime puts its containers under (podman's --cgroup-parent, containerd's namespace):
// runtimes leave it behind, in every v1 hierarchy or at the top of a v2 one.
#include <string>

namespace nexus::testutil {

/// SIGKILLs every process in the cgroup `name` (under /sys/fs/cgroup and each hierarchy there) and below it:
/// what a failed test's containers still run.
void kill_cgroup_processes(const std::string& name);
/// rmdirs the cgroup `name` and everything below it, deepest first, everywhere kill_cgroup_processes looks.
/// A cgroup empties a moment after its last process exits: retries for up to 3 s. True when all are gone.
bool remove_cgroup_parent(const std::string& name);

}  // namespace nexus::testutil
