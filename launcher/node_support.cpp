#include "launcher/node_support.h"

#include <cstdio>

#include "shared/base/error.h"
#include "shared/runtime/cgroup.h"
#include "shared/runtime/namespaces.h"
#include "shared/runtime/node_files.h"
#include "shared/runtime/pending_releases.h"
#include "shared/runtime/process.h"

namespace nexus::launcher {
using runtime::NodeRecord;

NodeRecord get_node(const Context& ctx, const std::string& name) {
  if (auto node = ctx.store().find(name)) return *node;
  throw Error(Code::UnknownContainer, "no node named '" + name + "'",
                   "see the existing nodes with: nexus node list");
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

namespace {

void remove_cgroup(const NodeRecord& node) {
  if (node.cgroup_root.empty()) return;
  auto version = node.cgroup_version == "v2" ? runtime::CgroupVersion::V2 : runtime::CgroupVersion::V1;
  runtime::open_cgroup(version, node.cgroup_root, node.cgroup_parent, node.name)->remove();
}

void cni_del(const Context& ctx, const NodeRecord& node) {
  runtime::CniRuntime cni = ctx.cni();
  runtime::RuntimeConf rt = runtime_conf(node);
  // A create killed between making the pin file and mounting the netns on it leaves a plain file (or none):
  // DEL then runs without a netns, as the spec allows, instead of handing plugins a path that is no netns.
  if (!runtime::is_netns_pin(rt.netns)) rt.netns.clear();
  cni.del(node_network(ctx, node), rt);
}

}  // namespace

std::vector<std::string> teardown_node(const Context& ctx, const NodeRecord& node, bool force) {
  std::vector<std::string> warnings;
  runtime::stop_process(node.pid, node.start_time, ctx.options().stop_timeout_ms);
  try {
    cni_del(ctx, node);
  } catch (const Error& e) {
    std::string msg = std::string("CNI DEL failed: ") + e.what() + (e.details().empty() ? "" : " (" + e.details() + ")");
    if (!force)
      throw Error(e.code(), "node '" + node.name + "': " + msg,
                       "the node's process is stopped and its state kept; fix the cause and run 'nexus node delete " +
                           node.name + "' again, or 'nexus node delete --force " + node.name +
                           "' to drop it anyway (addresses may stay allocated until 'nexus gc')");
    // The record goes away below; what DEL could not release must stay known as ours for `nexus gc`.
    // Without its netns path: the pin is removed below, and a later node of the same name pins a new netns there.
    NodeRecord pending = node;
    pending.netns_path.clear();
    runtime::PendingReleases(ctx.store().dir()).add(pending);
    warnings.push_back(msg + "; 'nexus gc' retries it");
  }
  if (!node.netns_path.empty()) runtime::unpin_netns(node.netns_path);
  remove_cgroup(node);
  ctx.store().remove(node.name);
  refresh_hosts(ctx, node.network);
  return warnings;
}

void release_pending(const Context& ctx, const NodeRecord& pending) {
  cni_del(ctx, pending);
  runtime::PendingReleases(ctx.store().dir()).remove(pending);
}

void refresh_hosts(const Context& ctx, const std::string& network) {
  std::vector<NodeRecord> nodes;
  std::vector<runtime::HostEntry> entries;
  for (NodeRecord& node : ctx.store().list()) {
    if (node.network != network) continue;
    runtime::HostEntry entry{node.name, {}};
    for (const std::string& cidr : node.addresses) entry.addresses.push_back(runtime::strip_prefix(cidr));
    entries.push_back(std::move(entry));
    nodes.push_back(std::move(node));
  }
  for (const NodeRecord& node : nodes) {
    try {
      runtime::write_in_place(ctx.store().node_dir(node.name) + "/hosts", runtime::render_hosts(node.name, entries));
    } catch (const Error& e) {
      std::fprintf(stderr, "nexus: warning: cannot update hosts of node %s: %s\n", node.name.c_str(), e.what());
    }
  }
}

}  // namespace nexus::launcher
