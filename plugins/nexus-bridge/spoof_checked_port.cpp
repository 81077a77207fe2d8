#include "plugins/nexus-bridge/spoof_checked_port.h"

#include "plugins/nexus-bridge/host_veth_name.h"
#include "shared/nat/masquerade.h"

namespace nexus::bridge_plugin {

nat::SpoofCheckedPort spoof_checked_port(const cni::Request& req, const std::string& mac) {
  return {.port = host_veth_name(req.container_id, req.ifname),
          .mac = mac,
          .owner = nat::owner_of(req.container_id, req.ifname)};
}

}  // namespace nexus::bridge_plugin
