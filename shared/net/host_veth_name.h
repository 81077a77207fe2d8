#pragma once
#include <string>

namespace nexus::net {

/// The host end of nexus-bridge's veth pair for an attachment: "nex-" + 11 hex digits of a hash of (containerID,
/// ifname). DEL finds it without the netns; `nexus firewall-reload` finds live attachments by it.
std::string host_veth_name(const std::string& container_id, const std::string& ifname);

}  // namespace nexus::net
