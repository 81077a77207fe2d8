#include "tests/testutil/bridge_env.h"

#include <doctest/doctest.h>

#include <sstream>

#include "tests/testutil/inspect.h"

namespace nexus::testutil {

using nlohmann::json;

std::string nexus_bridge_path() { return nexus_plugin_dir() + "/nexus-bridge"; }

json BridgeEnv::config_sets(const std::vector<std::string>& subnets, const json& extra,
                            const std::string& version) const {
  json ranges = json::array();
  for (const auto& s : subnets) ranges.push_back(json::array({{{"subnet", s}}}));
  json conf = {{"cniVersion", version},
               {"name", "testnet"},
               {"type", "nexus-bridge"},
               {"bridge", "nxbr0"},
               {"isGateway", true},
               {"ipam", {{"type", "nexus-ipam"}, {"ranges", ranges}, {"dataDir", data.path()}}}};
  if (extra.is_object()) conf.merge_patch(extra);
  return conf;
}

json BridgeEnv::config(const std::string& subnet, const json& extra, const std::string& version) const {
  return config_sets({subnet}, extra, version);
}

PluginRun BridgeEnv::run(const std::string& command, const std::string& id, const std::string& netns,
                         const json& conf, const std::string& args) const {
  PluginCall call{.command = command, .container_id = id, .netns = netns, .ifname = "eth0", .args = args};
  return run_plugin(nexus_bridge_path(), call, conf);
}

PluginRun BridgeEnv::add_ok(const std::string& id, const ContainerNetns& container, const json& conf) const {
  PluginRun add = run("ADD", id, container.path(), conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
  return add;
}

int lease_count(const std::string& data_dir, const std::string& network) {
  int n = 0;
  for (const auto& name : list_dir(data_dir + "/" + network))
    n += name != "lock" && !name.starts_with("last_reserved_ip") && !name.starts_with(".");
  return n;
}

int BridgeEnv::lease_count(const std::string& network) const { return testutil::lease_count(data.path(), network); }

std::vector<std::string> BridgeEnv::host_veths() const { return link_names("type veth"); }

}  // namespace nexus::testutil
