#pragma once
// ipMasq for one attachment: the container's addresses in Nexus's nftables maps (see shared/nat/masquerade.h),
// keyed by the network's bridge and owned by the attachment ("<containerID>/<ifname>"): every removal, CHECK
// and GC goes by that owner, never by address alone.
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
/// Removes the attachment's elements, and no one else's (`ips`, e.g. from prevResult, only speeds it up);
/// succeeds when they are not there. The elements are gone when it returns; closing `nft` afterwards waits
/// for their RCU-deferred destruction.
void remove_masquerade(nat::Nft& nft, const BridgeConf& conf, const cni::Request& req,
                       const std::vector<cni::IpConfig>& ips);
/// CHECK: every address of `ips` is masqueraded for this attachment (code 999 naming the first one that is not).
void check_masquerade(const BridgeConf& conf, const cni::Request& req, const std::vector<cni::IpConfig>& ips);
/// GC: removes the network's elements of attachments not in `valid`.
void gc_masquerade(const BridgeConf& conf, const std::vector<cni::Attachment>& valid);

}  // namespace nexus::bridge_plugin
