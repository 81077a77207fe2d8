#include "bench/port_chain.h"

#include <nlohmann/json.hpp>

namespace nexus::bench {
namespace {

using nlohmann::json;

// runtimeConfig as a runtime fills it for a plugin with the portMappings capability.
json runtime_config(const std::vector<PortMapping>& mappings) {
  json list = json::array();
  for (const PortMapping& m : mappings)
    list.push_back({{"hostPort", m.host_port}, {"containerPort", m.container_port}, {"protocol", "tcp"}});
  return {{"portMappings", std::move(list)}};
}

// One plugin call's outcome folded into the list's.
bool fold(ChainOutcome& chain, const Outcome& call) {
  chain.seconds += call.seconds;
  if (call.exited_zero) return true;
  chain.ok = false;
  if (chain.error.empty()) chain.error = call.out.empty() ? call.err : call.out;
  return false;
}

}  // namespace

PortChain::PortChain(Bench& bench, const Side& side, const std::filesystem::path& data_dir)
    : bench_(bench), side_(side), data_dir_(data_dir) {}

std::string PortChain::bridge_conf(const std::vector<PortMapping>& mappings) const {
  if (!side_.portmap_plugin.empty()) return bridge_config(side_, false, data_dir_);
  json publish = {{"capabilities", {{"portMappings", true}}}, {"runtimeConfig", runtime_config(mappings)}};
  return bridge_config(side_, false, data_dir_, publish.dump());
}

std::string PortChain::portmap_conf(const std::vector<PortMapping>& mappings) const {
  json config = {{"cniVersion", "1.0.0"}, {"name", kNetworkName}, {"type", side_.portmap_plugin},
                 {"snat", true}, {"capabilities", {{"portMappings", true}}},
                 {"runtimeConfig", runtime_config(mappings)}};
  return config.dump();
}

ChainOutcome PortChain::add(const std::string& container_id, const std::string& netns,
                            const std::vector<PortMapping>& mappings) {
  ChainOutcome chain;
  chain.ok = true;
  Outcome bridge = bench_.call(side_, "bridge ADD (port mappings)",
                               cni_command(side_, side_.bridge_plugin, "ADD", container_id, netns,
                                           bridge_conf(mappings)));
  chain.result = bridge.out;
  if (!fold(chain, bridge) || side_.portmap_plugin.empty()) return chain;
  Outcome portmap = bench_.call(side_, "portmap ADD",
                                cni_command(side_, side_.portmap_plugin, "ADD", container_id, netns,
                                            config_with_prev_result(portmap_conf(mappings), bridge.out)));
  if (fold(chain, portmap)) chain.result = portmap.out;
  return chain;
}

ChainOutcome PortChain::del(const std::string& container_id, const std::string& netns,
                            const std::vector<PortMapping>& mappings, const std::string& add_result) {
  ChainOutcome chain;
  chain.ok = true;
  // libcni stops a DEL at the first plugin that fails; the bench goes on to the bridge anyway, so that the
  // address and the veth are released whatever portmap did, and reports the failure.
  if (!side_.portmap_plugin.empty())
    fold(chain, bench_.call(side_, "portmap DEL",
                            cni_command(side_, side_.portmap_plugin, "DEL", container_id, netns,
                                        config_with_prev_result(portmap_conf(mappings), add_result))));
  fold(chain, bench_.call(side_, "bridge DEL (port mappings)",
                          cni_command(side_, side_.bridge_plugin, "DEL", container_id, netns,
                                      config_with_prev_result(bridge_conf(mappings), add_result))));
  return chain;
}

}  // namespace nexus::bench
