#pragma once
#include <string>

namespace nexus::bench {

/// Creates a veth pair `host_name` <-> `peer_name` with the peer placed directly into the netns open as
/// `netns_fd` (IFLA_NET_NS_FD), as a bridge plugin does, with one RTM_NEWLINK on a NETLINK_ROUTE socket.
/// Returns the seconds from send to the kernel's ack (the socket is opened before timing starts).
double timed_veth_create(const std::string& host_name, const std::string& peer_name, int netns_fd);

/// Deletes the link `ifname` of the current netns with one RTM_DELLINK and waits for the kernel's ack.
/// Returns the seconds from send to ack. Throws std::runtime_error when the link is missing or the kernel refuses.
double timed_link_delete(const std::string& ifname);

/// Whether the kernel can filter VLANs on a bridge: creates and deletes a probe bridge with vlan_filtering on in
/// the current netns (the bench's own).
bool kernel_has_bridge_vlan_filtering();

}  // namespace nexus::bench
