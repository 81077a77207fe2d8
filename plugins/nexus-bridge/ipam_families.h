#pragma once
// The address families an ADD's IPAM will give, known before it runs, so that port publishing can refuse a taken
// host port before IPAM acts (port_publish_helper.h): a mapping is published only for the families the
// container gets, so a port held in the other family is no conflict.
#include <optional>

#include "shared/bridge_conf/bridge_conf.h"

namespace nexus::bridge_plugin {

struct IpFamilies {
  bool v4 = false;
  bool v6 = false;
};

/// For nexus-ipam and host-local, which give one address per range set: the families of their range sets
/// (runtimeConfig.ipRanges, ipam.subnet, ipam.ranges; nexus-ipam's default network when it has none, read by
/// nexus-ipam's own parser). nullopt when the configuration does not say (another IPAM plugin, a range it
/// will refuse).
std::optional<IpFamilies> ipam_families(const BridgeConf& conf, const cni::Request& req);

}  // namespace nexus::bridge_plugin
