#include "plugins/nexus-bridge/vlan_setup.h"

#include "shared/net/bridge_vlan.h"
#include "shared/net/netns.h"
#include "shared/net/veth.h"
#include "shared/util/undo.h"

namespace nexus::bridge_plugin {

void require_vlan_support(const net::NlSocket& host, const BridgeConf& conf) {
  if (!conf.vlans.enabled()) return;
  if (const auto link = net::find_link(host, conf.bridge)) {
    if (link->kind != "bridge") return;  // adopt_bridge refuses it (code 7)
    const auto state = net::bridge_vlan_state(host, link->index);
    if (state && !state->supported) throw net::vlan_filtering_unsupported(conf.bridge);
    return;
  }
  if (net::probe_bridge_vlan_filtering() == false) throw net::vlan_filtering_unsupported(conf.bridge);
}

void setup_port_vlans(const net::NlSocket& host, const net::Link& bridge, int port_index, const VlanConf& vlans) {
  if (!vlans.preserve_default) {
    // A new port joins the bridge's default VLAN (pvid, untagged; usually 1): left there, an access port on
    // VLAN 10 would also carry VLAN 1's traffic tagged.
    const auto state = net::bridge_vlan_state(host, bridge.index);
    if (state && state->default_pvid != 0)
      net::remove_port_vlans(host, port_index, {{.first = state->default_pvid, .last = state->default_pvid}});
  }
  net::add_port_vlans(host, port_index, port_vlan_entries(vlans));
}

net::Link ensure_vlan_gateway(const net::NlSocket& host, const net::Link& bridge, const BridgeConf& conf) {
  const std::string name = gateway_link_name(conf);
  if (auto link = net::find_link(host, name)) return *link;
  const net::VethSpec spec{.host_name = vlan_gateway_port_name(conf.bridge, conf.vlans.vlan), .peer_name = name,
                           .mtu = conf.mtu.value_or(0), .master_index = bridge.index};
  std::optional<net::VethPair> pair;
  try {
    pair = net::create_veth(host, host, net::Netns::current(), spec);  // both ends in the host netns
  } catch (const Error&) {
    if (auto link = net::find_link(host, name)) return *link;  // a concurrent ADD of the network made it
    throw;
  }
  Undo undo;  // a pair without its VLAN would be found and used as it is by the next ADD: do not leave it
  undo.push("delete " + name, [&] { net::delete_link(host, pair->host.index); });
  VlanConf access;  // the network's VLAN, without the containers' trunk
  access.vlan = conf.vlans.vlan;
  access.preserve_default = conf.vlans.preserve_default;
  setup_port_vlans(host, bridge, pair->host.index, access);
  undo.commit();
  return pair->peer;
}

}  // namespace nexus::bridge_plugin
