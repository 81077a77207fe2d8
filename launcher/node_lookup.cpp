#include "launcher/node_lookup.h"

#include "launcher/launcher_error.h"
#include "shared/runtime/conflist.h"
#include "shared/runtime/process.h"

namespace nexus::launcher {
using runtime::NodeRecord;

NodeRecord get_node(const Context& ctx, const std::string& name) {
  if (auto node = ctx.store().find(name)) return *node;
  throw LauncherError("no node named '" + name + "'", "see the existing nodes with: nexus node list");
}

void require_running(const NodeRecord& node) {
  if (node_status(node) == "stopped")
    throw LauncherError("node '" + node.name + "' is not running (its process is gone)",
                        "remove it with: nexus node delete " + node.name + " (or clean all such nodes: nexus gc)");
}

std::string node_status(const NodeRecord& node) {
  if (!runtime::process_alive(node.pid, node.start_time)) return "stopped";
  return node.state;
}

runtime::RuntimeConf runtime_conf(const NodeRecord& node) {
  runtime::RuntimeConf rt;
  rt.container_id = node.container_id;
  rt.netns = node.netns_path;
  rt.ifname = node.ifname;
  rt.args = node.cni_args;
  rt.capability_args = node.capability_args;
  return rt;
}

runtime::NetworkConfigList node_network(const Context& ctx, const NodeRecord& node) {
  if (!node.network_config.empty()) return runtime::parse_conflist(node.network_config, "node " + node.name);
  runtime::CniRuntime cni = ctx.cni();
  if (auto cached = cni.cached(node.network, runtime_conf(node)); cached && !cached->config.empty())
    return runtime::parse_conflist(cached->config, "cache of node " + node.name);
  return runtime::load_network(node.network, ctx.conf_dirs());
}

}  // namespace nexus::launcher
