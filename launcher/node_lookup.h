#pragma once
// Finding a node and seeing it as CNI does: its record, its state, the attachment and the network it was added with.
#include <string>

#include "launcher/context.h"
#include "shared/runtime/cni_runtime.h"
#include "shared/runtime/node_store.h"

namespace nexus::launcher {

/// The node's record; throws LauncherError naming `nexus node list` when there is none.
runtime::NodeRecord get_node(const Context& ctx, const std::string& name);

/// Throws LauncherError when the node's process is gone, naming `nexus node delete` and `nexus gc`.
void require_running(const runtime::NodeRecord& node);

/// "running", "creating" or "stopped" (process gone). A node stays "creating" until create succeeded.
std::string node_status(const runtime::NodeRecord& node);

/// The attachment parameters the node was added with.
runtime::RuntimeConf runtime_conf(const runtime::NodeRecord& node);

/// The configuration the node was added with (its record, else the cache, else the conf dirs).
runtime::NetworkConfigList node_network(const Context& ctx, const runtime::NodeRecord& node);

}  // namespace nexus::launcher
