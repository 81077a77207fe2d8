// nexus node list: a table, or JSON with --json.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "launcher/address_list.h"
#include "launcher/commands.h"
#include "launcher/node_lookup.h"
#include "launcher/port_mapping.h"

namespace nexus::launcher {
namespace {

std::string limit(uint64_t value, const char* unit) {
  return value == 0 ? "-" : std::to_string(value) + unit;
}

}  // namespace

int node_list(const Context& ctx, bool json) {
  runtime::FileLock lock = ctx.store().lock_shared();
  std::vector<runtime::NodeRecord> nodes = ctx.store().list();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : nodes)
      out.push_back({{"name", n.name}, {"state", node_status(n)}, {"pid", n.pid}, {"network", n.network},
                     {"addresses", runtime::address_texts(n.addresses)}, {"memoryMiB", n.memory_mib}, {"cpuShares", n.cpu_shares},
                     {"ports", n.capability_args.value("portMappings", nlohmann::json::array())}});
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-20s %-9s %-8s %-24s %-9s %-6s %s\n", "NAME", "STATE", "PID", "ADDRESSES", "MEMORY", "CPU", "PORTS");
  for (const auto& n : nodes)
    std::printf("%-20s %-9s %-8d %-24s %-9s %-6s %s\n", n.name.c_str(), node_status(n).c_str(), n.pid,
                address_list(n.addresses, ",", "-").c_str(), limit(n.memory_mib, "MiB").c_str(),
                limit(n.cpu_shares, "").c_str(), published_ports_text(n.capability_args).c_str());
  return 0;
}

}  // namespace nexus::launcher
