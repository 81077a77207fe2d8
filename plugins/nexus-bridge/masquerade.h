#pragma once
// ipMasq for one attachment: the container's addresses in Nexus's nftables maps (see shared/nat/masquerade.h),
// each element tagged with its attachment so DEL without prevResult and GC can find it.
#include <functional>
#include <vector>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "shared/cni/net_conf.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"

namespace nexus::bridge_plugin {

/// Masquerades traffic from `ips` to destinations outside their subnets; turns on forwarding.
void add_masquerade(const BridgeConf& conf, const cni::Request& req, const std::vector<cni::IpConfig>& ips);
/// Stops masquerading the attachment's addresses (`ips` when known, else found by the attachment's tag);
/// succeeds when they are not there. `removed`, if given, is called as soon as the elements are gone, before
/// the nft context's close (which waits for an RCU grace period).
void remove_masquerade(const BridgeConf& conf, const cni::Request& req, const std::vector<cni::IpConfig>& ips,
                       const std::function<void()>& removed = {});
/// CHECK: every address of `ips` is masqueraded (code 999 naming the first one missing).
void check_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips);
/// GC: removes the elements of attachments not in `valid`.
void gc_masquerade(const BridgeConf& conf, const std::vector<cni::Attachment>& valid);

}  // namespace nexus::bridge_plugin
