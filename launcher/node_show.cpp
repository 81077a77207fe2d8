// nexus node show: everything known about one node, as JSON, including the cached CNI result.
#include <cstdio>

#include "launcher/commands.h"
#include "launcher/node_lookup.h"

namespace nexus::launcher {

int node_show(const Context& ctx, const std::string& name) {
  runtime::FileLock lock = ctx.store().lock_shared();
  runtime::NodeRecord node = get_node(ctx, name);
  nlohmann::json out = runtime::to_json(node);
  out.erase("networkConfig");
  out["status"] = node_status(node);
  out["ports"] = node.capability_args.value("portMappings", nlohmann::json::array());
  out["networkConfig"] = nlohmann::json::parse(node.network_config, nullptr, false);
  auto cached = ctx.cni().cached(node.network, runtime_conf(node));
  out["cniResult"] = cached ? cached->result : nlohmann::json(nullptr);
  out["cniCache"] = ctx.cni().cache().path(node.network, node.container_id, node.ifname);
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace nexus::launcher
