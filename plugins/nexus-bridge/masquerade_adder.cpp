#include "plugins/nexus-bridge/masquerade_adder.h"

#include "shared/bridge_conf/bridge_conf.h"

namespace nexus::bridge_plugin {

void MasqueradeAdder::add(const std::vector<cni::IpConfig>& ips) {
  nat::masquerade(nft_, target_, masquerade_addresses(ips));
}

void MasqueradeAdder::undo(const std::vector<cni::IpConfig>& ips) {
  nat::unmasquerade(nft_, target_, masquerade_addresses(ips));
}

}  // namespace nexus::bridge_plugin
