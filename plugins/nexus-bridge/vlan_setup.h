#pragma once
// ADD's VLAN steps (vlan, vlanTrunk, preserveDefaultVlan): the kernel check before anything changes, the host
// port's VLAN entries, and the gateway interface "<bridge>.<vlan>" for isGateway.
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"

namespace nexus::bridge_plugin {

/// Code 100 when `conf` needs VLANs and this kernel cannot filter them; nothing is changed either way. An
/// existing bridge answers through its attributes; when it is missing a probe in a private network namespace
/// does (net::probe_bridge_vlan_filtering), so the refusal comes before IPAM runs. Should the probe be unable
/// to tell, creating the bridge with vlan_filtering fails atomically later, and ADD's rollback releases the lease.
void require_vlan_support(const net::NlSocket& host, const BridgeConf& conf);

/// The port's entries (port_vlan_entries), after removing the bridge's default VLAN unless preserveDefaultVlan.
void setup_port_vlans(const net::NlSocket& host, const net::Link& bridge, int port_index, const VlanConf& vlans);

/// isGateway with `vlan`: the interface "<bridge>.<vlan>", up, whose veth peer is an access port of `bridge` on
/// that VLAN. Created by the network's first ADD and shared by its containers; like the bridge, DEL leaves it.
net::Link ensure_vlan_gateway(const net::NlSocket& host, const net::Link& bridge, const BridgeConf& conf);

}  // namespace nexus::bridge_plugin
