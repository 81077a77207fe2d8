#pragma once
// ipMasq for one attachment: the container's addresses in Nexus's nftables maps (see shared/nat/masquerade.h).
#include <vector>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "shared/cni/result.h"

namespace nexus::bridge_plugin {

/// Masquerades traffic from `ips` to destinations outside their subnets; turns on forwarding.
void add_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips);
/// Stops masquerading `ips`; succeeds when they are not there.
void remove_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips);
/// CHECK: every address of `ips` is masqueraded (code 999 naming the first one missing).
void check_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips);

}  // namespace nexus::bridge_plugin
