#pragma once
// A throwaway host netns, a lease dir and config builders for nexus-bridge tests.
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/plugin_runner.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

/// Path of the built nexus-bridge.
std::string nexus_bridge_path();
/// Number of lease files (addresses) of network `network` in the nexus-ipam dataDir `data_dir`.
int lease_count(const std::string& data_dir, const std::string& network);

struct BridgeEnv {
  HostNetns host;  // entered for the env's lifetime: plugins we run create their bridge here
  TempDir data;    // ipam dataDir

  /// {"cniVersion","name":"testnet","type":"nexus-bridge","bridge":"nxbr0","isGateway":true,
  ///  "ipam":{"type":"nexus-ipam","ranges":[[{"subnet":<subnet>}]],"dataDir":<data>}} merged with `extra`.
  nlohmann::json config(const std::string& subnet = "10.50.0.0/24", const nlohmann::json& extra = {},
                        const std::string& version = "1.0.0") const;
  /// Same with one range set per subnet (dual stack).
  nlohmann::json config_sets(const std::vector<std::string>& subnets, const nlohmann::json& extra = {},
                             const std::string& version = "1.0.0") const;

  /// Runs nexus-bridge `command` for (`id`, eth0) in `container` with `conf`; prevResult added when given.
  PluginRun run(const std::string& command, const std::string& id, const std::string& netns,
                const nlohmann::json& conf, const std::string& args = "") const;

  /// ADD of (`id`, eth0) in `container`, which must succeed (the test stops otherwise, printing its output).
  PluginRun add_ok(const std::string& id, const ContainerNetns& container, const nlohmann::json& conf) const;

  /// Number of lease files (addresses) in the ipam dir of network `network`.
  int lease_count(const std::string& network = "testnet") const;
  /// Names of veth links in the host netns.
  std::vector<std::string> host_veths() const;
};

}  // namespace nexus::testutil
