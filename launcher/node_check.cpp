// nexus node check: CNI CHECK of the node's attachment.
#include <cstdio>

#include "launcher/commands.h"
#include "launcher/node_lookup.h"

namespace nexus::launcher {

int node_check(const Context& ctx, const std::string& name) {
  runtime::FileLock lock = ctx.store().lock_exclusive();
  runtime::NodeRecord node = get_node(ctx, name);
  require_running(node);
  runtime::NetworkConfigList list = node_network(ctx, node);
  if (list.disable_check) {
    std::printf("node %s: network %s sets disableCheck, nothing checked\n", name.c_str(), list.name.c_str());
    return 0;
  }
  ctx.cni().check(list, runtime_conf(node));
  std::printf("node %s: network %s ok\n", name.c_str(), list.name.c_str());
  return 0;
}

}  // namespace nexus::launcher
