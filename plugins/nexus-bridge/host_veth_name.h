#pragma once
#include <string>

namespace nexus::bridge_plugin {

/// "nex-" + 11 hex digits of a hash of (containerID, ifname): DEL finds the host end without the netns.
std::string host_veth_name(const std::string& container_id, const std::string& ifname);

}  // namespace nexus::bridge_plugin
