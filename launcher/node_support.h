#pragma once
// Pieces several commands share: the CNI view of a node, teardown, the network's hosts files.
#include <string>
#include <vector>

#include "launcher/context.h"
#include "shared/runtime/cni_runtime.h"
#include "shared/runtime/node_store.h"

namespace nexus::launcher {

/// The node's record; throws Error naming `nexus node list` when there is none.
runtime::NodeRecord get_node(const Context& ctx, const std::string& name);

/// "running", "creating" or "stopped" (process gone). A node stays "creating" until create succeeded.
std::string node_status(const runtime::NodeRecord& node);

/// The attachment parameters the node was added with.
runtime::RuntimeConf runtime_conf(const runtime::NodeRecord& node);

/// The configuration the node was added with (its record, else the cache, else the conf dirs).
runtime::NetworkConfigList node_network(const Context& ctx, const runtime::NodeRecord& node);

/// Stops the process, runs CNI DEL, removes the netns pin, cgroup and state, refreshes the network's hosts
/// files. Every step tolerates pieces that are already gone. When DEL fails: with `force` the rest still
/// runs, the attachment is recorded as a pending release for `nexus gc` and the failure is returned as a
/// warning; without, it throws and keeps the state for a retry.
std::vector<std::string> teardown_node(const Context& ctx, const runtime::NodeRecord& node, bool force);

/// Retries the CNI DEL of an attachment left pending by a forced teardown (runtime::PendingReleases) and
/// forgets it once DEL succeeded; throws the DEL's Error otherwise (the record stays for the next try).
void release_pending(const Context& ctx, const runtime::NodeRecord& pending);

/// Rewrites /etc/hosts of every node on `network` (bind mounts see the change at once).
void refresh_hosts(const Context& ctx, const std::string& network);

}  // namespace nexus::launcher
