#pragma once
#include <string>

#include "shared/cni/request.h"
#include "shared/nat/mac_spoof_check.h"

namespace nexus::bridge_plugin {

/// macspoofchk's port for this attachment (shared/nat/mac_spoof_check.h): its host veth, the container
/// interface's `mac` (may be empty where only the owner matters, as in DEL), owner "<containerID>/<ifname>".
nat::SpoofCheckedPort spoof_checked_port(const cni::Request& req, const std::string& mac);

}  // namespace nexus::bridge_plugin
