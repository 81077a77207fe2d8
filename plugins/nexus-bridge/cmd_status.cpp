#include "plugins/nexus-bridge/commands.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/delegate.h"

namespace nexus::bridge_plugin {

// STATUS: the bridge itself needs nothing; ready when IPAM is.
void cmd_status(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  if (!conf.net.ipam_type.empty()) cni::delegate_status(conf.net.ipam_type, req);
}

}  // namespace nexus::bridge_plugin
