#include "launcher/network_hosts.h"

#include <cstdio>

#include "shared/base/error.h"
#include "shared/runtime/node_files.h"

namespace nexus::launcher {
using runtime::NodeRecord;

void refresh_hosts(const Context& ctx, const std::string& network) {
  std::vector<NodeRecord> nodes;
  std::vector<runtime::HostEntry> entries;
  for (NodeRecord& node : ctx.store().list()) {
    if (node.network != network) continue;
    runtime::HostEntry entry{node.name, {}};
    for (const IpPrefix& address : node.addresses) entry.addresses.push_back(address.address());
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
