#pragma once
// The reference bridge plugin's VLAN keys: `vlan` (access VLAN, or a trunk's native VLAN), `vlanTrunk` (the
// VLANs a trunk port carries tagged) and `preserveDefaultVlan`; and what they make of the host port.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/net/bridge_vlan.h"

namespace nexus::bridge_plugin {

/// VLANs first..last (first == last for one VLAN).
struct VlanRange {
  unsigned first = 0;
  unsigned last = 0;
  bool operator==(const VlanRange&) const = default;
};

struct VlanConf {
  unsigned vlan = 0;               ///< 1..4094; 0 = none
  std::vector<VlanRange> trunk;    ///< sorted, disjoint, adjacent ranges merged; empty = no trunk
  bool preserve_default = false;   ///< preserveDefaultVlan: keep the bridge's default VLAN on the port

  /// The port filters VLANs: the bridge needs vlan_filtering, hence a kernel with it.
  bool enabled() const noexcept { return vlan != 0 || !trunk.empty(); }

  /// Reads the three keys of the top-level config `j`: code 6 for wrong types, 7 for values out of range
  /// (VLAN ids 1..4094, `vlan` 0 too), for a trunk entry with only one of minID/maxID or minID > maxID, and,
  /// unlike the reference (which unions them silently), for trunk entries that overlap or repeat a VLAN.
  static VlanConf parse(const nlohmann::json& j);
};

/// The host port's VLAN entries: `vlan` as pvid and untagged (access port, or the trunk's native VLAN; a trunk
/// without `vlan` has native VLAN 1, as the reference), the trunk's VLANs tagged, except the native one.
/// Empty when VLANs are not enabled.
std::vector<net::VlanEntry> port_vlan_entries(const VlanConf& conf);

/// CHECK: what of `want` the port's entries `have` lack ("VLAN 10 is missing", "VLAN 10 is not untagged", ...),
/// or empty when every wanted VLAN is there with its flags. VLANs the port has beyond `want` are not reported.
std::string missing_port_vlan(const std::vector<net::VlanEntry>& want, const std::vector<net::VlanEntry>& have);

/// isGateway with `vlan`: the host interface holding the gateway, "<bridge>.<vlan>" (as the reference), one end
/// of a veth pair whose other end, vlan_gateway_port_name(), is an access port of the bridge on that VLAN.
std::string vlan_gateway_name(const std::string& bridge, unsigned vlan);
/// "nexv-" + 10 hex digits of a hash of (bridge, vlan): stable, so every ADD of the network finds the pair.
std::string vlan_gateway_port_name(const std::string& bridge, unsigned vlan);

}  // namespace nexus::bridge_plugin
