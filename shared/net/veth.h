#pragma once
// The veth pair that connects a container to the bridge.
#include <array>
#include <optional>
#include <string>

#include "shared/net/link.h"
#include "shared/net/netns.h"
#include "shared/net/nl_socket.h"

namespace nexus::net {

/// What create_veth() makes.
struct VethSpec {
  std::string host_name;                                ///< host end, e.g. "nex-1a2b3c4d"
  std::string peer_name;                                ///< container end: its final name (CNI_IFNAME)
  unsigned mtu = 0;                                     ///< both ends; 0 keeps the kernel default
  std::optional<std::array<unsigned char, 6>> peer_mac{}; ///< container end MAC; random if unset
  int master_index = 0;                                 ///< enslave the host end to this bridge at once; 0 = no
  bool up = true;                                       ///< bring both ends up (host end in the same request)
  bool peer_up = true;                                  ///< with `up`: the container end too (false: left down)
};

/// Both ends as read back after creation.
struct VethPair {
  Link host;  ///< read through the host socket
  Link peer;  ///< read through the container socket
};

/// Creates the pair in ONE netlink request on `host`: the peer is born inside `container_netns` with its final
/// name (IFLA_NET_NS_FD), so no rename or move is ever visible and nothing is left in the host if it fails.
/// An existing name on either side is an error naming that side. `container` must be bound to container_netns.
VethPair create_veth(const NlSocket& host, const NlSocket& container, const Netns& container_netns,
                     const VethSpec& spec);
/// Same, with the sockets and netns of `nl`.
VethPair create_veth(const Sockets& nl, const VethSpec& spec);

}  // namespace nexus::net
