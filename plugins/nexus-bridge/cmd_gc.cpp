#include <optional>

#include "plugins/nexus-bridge/commands.h"
#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/delegate.h"
#include "shared/nat/idle_tables.h"
#include "shared/nat/masquerade.h"
#include "shared/nat/nft.h"
#include "shared/nat/port_publish.h"

namespace nexus::bridge_plugin {

// GC: IPAM frees the stale leases; masquerade elements and published ports of attachments not in the list go too.
void cmd_gc(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  const auto valid = cni::valid_attachments(req.config);  // refuse a GC without the list before anything
  // Elements first, leases after, as in DEL: an address is free only once no element names it. Also without
  // ipMasq (it may have been on before), unless this host has no libnftables: then it has no elements of ours.
  std::optional<nat::Nft> nft = conf.ip_masq ? std::optional<nat::Nft>(std::in_place) : nat::Nft::open_if_available();
  if (nft) {
    std::vector<std::string> keep;
    for (const auto& a : valid) keep.push_back(nat::owner_of(a.container_id, a.ifname));
    nat::collect_garbage(*nft, conf.net.name, keep);
    nat::collect_port_garbage(*nft, conf.net.name, keep);
    // What the dead left may have been all there was: then the tables go, as with the last DEL (a failure
    // leaves them for a later DEL or GC; the garbage is collected either way).
    try {
      nat::remove_idle_tables();
    } catch (const Error&) {
    }
  }
  if (!conf.net.ipam_type.empty()) cni::delegate_gc(conf.net.ipam_type, req);
}

}  // namespace nexus::bridge_plugin
