#include "plugins/nexus-bridge/bridge_conf.h"
#include "plugins/nexus-bridge/commands.h"
#include "plugins/nexus-bridge/masquerade.h"
#include "shared/cni/delegate.h"
#include "shared/cni/error.h"

namespace nexus::bridge_plugin {

// GC: IPAM frees the stale leases. Masquerade elements are keyed by address only, so they are left to DEL.
void cmd_gc(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  cni::valid_attachments(req.config);  // refuse a GC without the list before delegating it
  if (!conf.net.ipam_type.empty()) cni::delegate_gc(conf.net.ipam_type, req);
}

void cmd_status(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  if (!conf.net.ipam_type.empty()) cni::delegate_status(conf.net.ipam_type, req);
}

}  // namespace nexus::bridge_plugin
