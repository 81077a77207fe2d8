// nexus node create: cgroup, process in new namespaces, netns pin, CNI ADD, hosts/resolv.conf, then "go".
#include <sys/stat.h>

#include <cstdio>
#include <ctime>

#include "launcher/address_list.h"
#include "launcher/commands.h"
#include "launcher/env_options.h"
#include "launcher/launcher_error.h"
#include "launcher/network_hosts.h"
#include "launcher/node_lookup.h"
#include "launcher/node_release.h"
#include "launcher/port_mapping.h"
#include "launcher/signal_block.h"
#include "shared/base/error.h"
#include "shared/base/ip_address.h"
#include "shared/runtime/capped_log.h"
#include "shared/runtime/cgroup.h"
#include "shared/runtime/namespaces.h"
#include "shared/runtime/node_env.h"
#include "shared/runtime/node_files.h"
#include "shared/runtime/node_process.h"
#include "shared/runtime/pending_releases.h"
#include "shared/runtime/process.h"

namespace nexus::launcher {
using runtime::NodeRecord;

namespace {

void validate(const CreateOptions& o) {
  if (!runtime::valid_node_name(o.name))
    throw LauncherError(
        "invalid node name '" + o.name + "'",
        "use 1 to 63 lowercase letters, digits and '-', not starting or ending with '-' (e.g. node-001)");
  if (o.memory_mib == 0 || o.memory_mib < -1)
    throw LauncherError("invalid --mem " + std::to_string(o.memory_mib), "give the memory limit in MiB, at least 1");
  if (o.cpu_shares != -1 && (o.cpu_shares < 2 || o.cpu_shares > 262144))
    throw LauncherError("invalid --cpu " + std::to_string(o.cpu_shares),
                        "give CPU shares between 2 and 262144 (1024 is the default weight of a process)");
  if (!o.ip.empty() && !parse_address_or_prefix(o.ip))
    throw LauncherError("invalid --ip '" + o.ip + "'", "give an IPv4 or IPv6 address, e.g. --ip 10.0.42.20");
  if (!runtime::valid_network_name(o.network))
    throw LauncherError("invalid --net '" + o.network + "'", "network names are letters, digits, '_', '.' and '-'");
  if (o.log_max_bytes != 0 && o.log_max_bytes < runtime::kMinLogCap)
    throw LauncherError("invalid --log-max-size " + std::to_string(o.log_max_bytes) + " bytes",
                        "give at least 128k (the log keeps two halves of it, each at least a pipe's buffer)");
  struct stat st {};
  if (!o.rootfs.empty() && (o.rootfs.front() != '/' || ::stat(o.rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    throw LauncherError("invalid --rootfs '" + o.rootfs + "'", "give the absolute path of an existing directory");
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

NodeRecord initial_record(const Context& ctx, const CreateOptions& o, const runtime::NetworkConfigList& list,
                          const std::vector<std::string>& env, const std::vector<PortMapping>& ports) {
  NodeRecord node;
  node.name = o.name;
  node.network = list.name;
  node.network_config = list.bytes;
  node.container_id = o.name;
  node.netns_path = ctx.options().netns_dir + "/" + o.name;
  node.memory_mib = o.memory_mib > 0 ? static_cast<uint64_t>(o.memory_mib) : 0;
  node.cpu_shares = o.cpu_shares > 0 ? static_cast<uint64_t>(o.cpu_shares) : 0;
  node.rootfs = o.rootfs;
  node.command = o.command;
  node.env = runtime::node_environment(o.name, env);
  node.log_max_bytes = o.log_max_bytes != 0 ? o.log_max_bytes : runtime::kDefaultLogCap;
  node.created = now_utc();
  if (!o.ip.empty()) {
    // CNI_ARGS for plugins of the host-local lineage, runtimeConfig "ips" for those that declare the capability.
    node.cni_args = {{"IgnoreUnknown", "1"}, {"IP", parse_address_or_prefix(o.ip)->to_string()}};
    node.capability_args["ips"] = nlohmann::json::array({o.ip});
  }
  if (!ports.empty()) node.capability_args["portMappings"] = port_mappings_json(ports);
  return node;
}

std::unique_ptr<runtime::Cgroup> create_cgroup(const Context& ctx, NodeRecord& node) {
  const auto version = runtime::detect_cgroup_version(ctx.options().cgroup_root);
  auto cgroup = runtime::open_cgroup(version, ctx.options().cgroup_root, ctx.options().cgroup_parent, node.name);
  node.cgroup_version = version == runtime::CgroupVersion::V2 ? "v2" : "v1";
  node.cgroup_root = ctx.options().cgroup_root;
  node.cgroup_parent = ctx.options().cgroup_parent;
  node.cgroup_paths = cgroup->paths();
  ctx.store().save(node);  // before mkdir: a nexus killed right after it must leave a cgroup that gc knows of
  cgroup->create({node.memory_mib * 1024 * 1024, node.cpu_shares});
  return cgroup;
}

pid_t start_process(const Context& ctx, NodeRecord& node, runtime::SyncPipe& sync) {
  const std::string dir = ctx.store().node_dir(node.name);
  runtime::write_in_place(dir + "/hosts", runtime::render_hosts(node.name, {}));
  runtime::write_in_place(dir + "/resolv.conf", "");
  runtime::NodeProcessSpec spec{node.name,          dir + "/hosts",  dir + "/resolv.conf", ctx.options().netns_dir,
                                node.rootfs,        dir + "/log",    node.log_max_bytes, node.command,
                                node.env};
  node.pid = runtime::spawn_node_process(spec, sync);
  node.start_time = runtime::process_start_time(node.pid).value_or(0);
  ctx.store().save(node);
  return node.pid;
}

void attach_network(const Context& ctx, NodeRecord& node, const runtime::NetworkConfigList& list) {
  runtime::ensure_netns_dir(ctx.options().netns_dir);
  runtime::pin_netns(node.pid, node.netns_path);
  runtime::CniRuntime cni = ctx.cni();
  nlohmann::json result = cni.add(list, runtime_conf(node));
  node.addresses = runtime::result_addresses(result);
  ctx.store().save(node);
  const std::string dir = ctx.store().node_dir(node.name);
  runtime::write_in_place(dir + "/resolv.conf",
                          runtime::render_resolv_conf(result.value("dns", nlohmann::json::object()),
                                                      runtime::host_resolv_conf(ctx.options().resolv_conf,
                                                                                ctx.options().resolved_conf)));
  refresh_hosts(ctx, node.network);
}

void build_node(const Context& ctx, NodeRecord& node, const runtime::NetworkConfigList& list) {
  ctx.store().save(node);
  auto cgroup = create_cgroup(ctx, node);
  runtime::SyncPipe sync = runtime::SyncPipe::create();
  start_process(ctx, node, sync);
  cgroup->add_process(node.pid);
  attach_network(ctx, node, list);
  sync.release_child();
  if (std::string error = sync.wait_child_started(); !error.empty())
    throw LauncherError("the node's process failed to start: " + error,
                        "its log is " + ctx.store().node_dir(node.name) + "/log");
  node.state = "running";
  ctx.store().save(node);
}

void roll_back(const Context& ctx, const NodeRecord& node) {
  try {
    for (const std::string& warning : teardown_node(ctx, node, true))
      std::fprintf(stderr, "nexus: rollback: %s\n", warning.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nexus: rollback incomplete: %s; run 'nexus gc' to finish it\n", e.what());
  }
}

// A node of the same name that was force-deleted with a failed DEL left an attachment with this containerID and
// ifname; release it first, or a later `nexus gc` retrying its DEL would take the new node's attachment.
void release_earlier_attachment(const Context& ctx, const NodeRecord& node) {
  auto pending = runtime::PendingReleases(ctx.store().dir()).find(node.network, node.container_id, node.ifname);
  if (!pending) return;
  try {
    release_pending(ctx, *pending);
  } catch (const Error& e) {
    throw LauncherError("cannot create node '" + node.name + "': an earlier node '" + node.name + "' on network " +
                            node.network + " is still attached and its DEL fails: " + e.what(),
                        e.details() + (e.details().empty() ? "" : "\n") +
                            "fix the cause and run 'nexus gc', or pick another name");
  }
}

}  // namespace

int node_create(const Context& ctx, const CreateOptions& o) {
  validate(o);
  const std::vector<std::string> env = parse_env_options(o.env_args, o.env_files);
  const std::vector<PortMapping> ports = parse_publish_options(o.publish);
  runtime::FileLock lock = ctx.store().lock_exclusive();
  runtime::NetworkConfigList list = runtime::load_network(o.network, ctx.conf_dirs());
  if (!ports.empty()) require_port_mapping_plugin(list);
  ctx.store().create_node_dir(o.name);
  NodeRecord node = initial_record(ctx, o, list, env, ports);
  try {
    release_earlier_attachment(ctx, node);
  } catch (...) {
    ctx.store().remove(o.name);
    throw;
  }
  SignalBlock defer_interrupts;
  try {
    build_node(ctx, node, list);
  } catch (const std::exception& e) {
    roll_back(ctx, node);
    const std::string hint = hint_of(e);
    throw LauncherError("cannot create node '" + o.name + "': " + e.what(),
                        (hint.empty() ? "" : hint + "\n") +
                            "everything created so far was removed; fix the cause above and run the command again");
  }
  std::printf("node %s created: pid %d, %s on network %s\n", node.name.c_str(), node.pid,
              address_list(node.addresses, ", ", "no address").c_str(), node.network.c_str());
  return 0;
}

}  // namespace nexus::launcher
