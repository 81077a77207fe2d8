#pragma once
// ipMasq for one attachment: the container's addresses in Nexus's nftables maps (see shared/nat/masquerade.h),
// each element tagged with its attachment so DEL without prevResult and GC can find it.
#include <vector>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "shared/cni/net_conf.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"
#include "shared/nat/nft.h"

namespace nexus::bridge_plugin {

/// Masquerades traffic from `ips` to destinations outside their subnets; turns on forwarding.
void add_masquerade(nat::Nft& nft, const BridgeConf& conf, const cni::Request& req,
                    const std::vector<cni::IpConfig>& ips);
/// Stops masquerading the attachment's addresses (`ips` when known, else found by the attachment's tag);
/// succeeds when they are not there. The elements are gone when it returns; closing `nft` afterwards waits
/// for their RCU-deferred destruction.
void remove_masquerade(nat::Nft& nft, const BridgeConf& conf, const cni::Request& req,
                       const std::vector<cni::IpConfig>& ips);
/// CHECK: every address of `ips` is masqueraded (code 999 naming the first one missing).
void check_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips);
/// GC: removes the elements of attachments not in `valid`.
void gc_masquerade(const BridgeConf& conf, const std::vector<cni::Attachment>& valid);

}  // namespace nexus::bridge_plugin
