#pragma once
// The host's default route: which interface the traffic of the containers ultimately leaves by, and so the
// MTU their links should have.
#include <optional>
#include <string>
#include <vector>

#include "shared/net/nl_socket.h"

namespace nexus::net {

/// The MTU of the interface the main table's default route leaves by (IPv4's, else IPv6's; the route with
/// the lowest metric when there are several), or nullopt when the netns has no default route.
std::optional<unsigned> default_route_mtu(const NlSocket& sock);

/// The names of the interfaces the main table's default routes leave by (IPv4's, then IPv6's when it is another;
/// the lowest metric of each family), empty when the netns has none: where forwarded container traffic leaves.
std::vector<std::string> default_route_interfaces(const NlSocket& sock);

}  // namespace nexus::net
