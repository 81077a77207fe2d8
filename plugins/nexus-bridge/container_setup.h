#pragma once
// The container side of an ADD: addresses, lo, routes; and the result's routes and DNS.
#include <vector>

#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/result.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"

namespace nexus::bridge_plugin {

/// Routes the container gets: IPAM's with their 1.1.0 fields, each without a next hop (and not link- or
/// host-scoped) sent via its family's gateway, plus a default
/// route per family via the gateway when isDefaultGateway asks for it and IPAM gave none.
std::vector<cni::Route> container_routes(const BridgeConf& conf, const cni::Result& ipam);
/// Inside the container netns: `lo` up, IPAM's addresses on `peer` (DAD off unless enabledad), `routes`, and
/// `peer` up unless disableContainerInterface.
void configure_container(const net::NlSocket& container, const net::Link& peer, const cni::Result& ipam,
                         const std::vector<cni::Route>& routes, const BridgeConf& conf);
/// The result's DNS: the config's, else IPAM's, with runtimeConfig.dns's fields taking precedence.
cni::Dns result_dns(const BridgeConf& conf, const cni::Result& ipam);

}  // namespace nexus::bridge_plugin
