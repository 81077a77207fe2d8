#pragma once
// Attaching a container with published ports the way a runtime runs a side's plugin list. The bench knows only
// the shape of the list: the mappings go in runtimeConfig.portMappings of whichever plugin declares the
// portMappings capability, as libcni does it. What each side's plugins make of them is theirs.
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench.h"

namespace nexus::bench {

/// One published port: TCP to `host_port` on any host address goes to `container_port` in the container.
struct PortMapping {
  unsigned host_port = 0;
  unsigned container_port = 0;
};

/// What an ADD or DEL of the whole list gave.
struct ChainOutcome {
  bool ok = false;
  double seconds = 0;   ///< the plugin calls' times added up (spawn to exit each)
  std::string result;   ///< ADD: the list's final result (the DEL's prevResult)
  std::string error;    ///< the failing plugin's answer, when !ok
};

/// The plugin list of one side for one network (one data dir):
///  - side.portmap_plugin empty (nexus): the bridge plugin alone, its config carrying
///    "capabilities": {"portMappings": true} and runtimeConfig.portMappings;
///  - otherwise (ref): the bridge plugin, then the portmap plugin with {"snat": true}, the capability and the
///    mappings, and the bridge's result as prevResult.
/// DEL runs the list in reverse, each plugin getting its mappings and the ADD's final result as prevResult.
class PortChain {
 public:
  PortChain(Bench& bench, const Side& side, const std::filesystem::path& data_dir);

  ChainOutcome add(const std::string& container_id, const std::string& netns,
                   const std::vector<PortMapping>& mappings);
  ChainOutcome del(const std::string& container_id, const std::string& netns,
                   const std::vector<PortMapping>& mappings, const std::string& add_result);

 private:
  std::string bridge_conf(const std::vector<PortMapping>& mappings) const;
  std::string portmap_conf(const std::vector<PortMapping>& mappings) const;

  Bench& bench_;
  const Side& side_;
  std::filesystem::path data_dir_;
};

}  // namespace nexus::bench
