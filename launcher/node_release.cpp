#include "launcher/node_release.h"

#include "launcher/launcher_error.h"
#include "launcher/network_hosts.h"
#include "launcher/node_lookup.h"
#include "shared/base/error.h"
#include "shared/runtime/cgroup.h"
#include "shared/runtime/namespaces.h"
#include "shared/runtime/pending_releases.h"
#include "shared/runtime/process.h"

namespace nexus::launcher {
using runtime::NodeRecord;

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
      throw LauncherError("node '" + node.name + "': " + msg,
                          "the node's process is stopped and its state kept; fix the cause and run "
                          "'nexus node delete " + node.name + "' again, or 'nexus node delete --force " + node.name +
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

}  // namespace nexus::launcher
