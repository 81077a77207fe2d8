// nexus gc: delete nodes whose process is gone, then CNI GC of their networks with the live attachments.
#include <cstdio>
#include <filesystem>
#include <map>

#include "launcher/commands.h"
#include "launcher/node_support.h"
#include "shared/cni/error.h"

namespace nexus::launcher {
namespace {

// Node directories without a readable record come from a create that died before its first save.
void remove_orphan_dirs(const Context& ctx) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ctx.store().dir() + "/nodes", ec)) {
    const std::string name = entry.path().filename().string();
    if (!ctx.store().find(name)) {
      std::printf("removing leftover state of %s\n", name.c_str());
      ctx.store().remove(name);
    }
  }
}

}  // namespace

int gc(const Context& ctx) {
  runtime::FileLock lock = ctx.store().lock_exclusive();
  int failures = 0;
  std::map<std::string, runtime::NetworkConfigList> networks;
  std::map<std::string, std::vector<runtime::ValidAttachment>> live;
  for (const runtime::NodeRecord& node : ctx.store().list()) {
    try {
      networks.emplace(node.network, node_network(ctx, node));
    } catch (const cni::Error& e) {
      std::fprintf(stderr, "nexus: gc: network of node %s: %s\n", node.name.c_str(), e.what());
    }
    // create holds the lock until its node is "running": a "creating" node seen under the lock lost its creator.
    if (node_status(node) == "running") {
      live[node.network].push_back({node.container_id, node.ifname});
      continue;
    }
    try {
      for (const std::string& w : teardown_node(ctx, node, false)) std::fprintf(stderr, "nexus: warning: %s\n", w.c_str());
      std::printf("deleted node %s (%s)\n", node.name.c_str(),
                  node.state == "creating" ? "its create was interrupted" : "its process was gone");
    } catch (const cni::Error& e) {
      ++failures;
      std::fprintf(stderr, "nexus: gc: %s\n  %s\n", e.what(), e.details().c_str());
    }
  }
  remove_orphan_dirs(ctx);
  for (const auto& [name, list] : networks) {
    for (const std::string& problem : ctx.cni().gc(list, live[name])) std::fprintf(stderr, "nexus: gc: %s\n", problem.c_str());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace nexus::launcher
