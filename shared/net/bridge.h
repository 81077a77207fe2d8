#pragma once
// The host bridge every container of a network hangs off.
#include <array>
#include <optional>
#include <string>

#include "shared/net/link.h"

namespace nexus::net {

/// How ensure_bridge() creates (or adjusts) the bridge.
struct BridgeOptions {
  std::optional<unsigned> mtu{};  ///< only applied when the bridge is created
  bool promisc = false;         ///< set IFF_PROMISC (also on an existing bridge)
};

/// Returns the bridge `name`, creating it if missing: up, STP off, forward delay 0, and a fixed locally
/// administered MAC derived from the name. Safe when many processes race to create it: exactly one creates it,
/// the others find it. An existing link of that name that is not a bridge is an error (code 7); an existing
/// bridge that is down is brought up.
Link ensure_bridge(const NlSocket& sock, const std::string& name, const BridgeOptions& options = {});
/// ensure_bridge() for a link the caller has just found (find_link): checks it is a bridge, applies `options`,
/// brings it up; saves the lookup.
Link adopt_bridge(const NlSocket& sock, const Link& existing, const BridgeOptions& options = {});

/// The bridge MAC for `name`: stable across restarts, locally administered, unicast. A bridge otherwise takes
/// the lowest MAC of its ports, which changes as containers come and go and leaves stale gateway ARP entries
/// in every container.
std::array<unsigned char, 6> bridge_mac(const std::string& name);

/// Turns hairpin mode (IFLA_BRPORT_MODE) on or off for bridge port `port_index`, so a container can reach
/// itself through a port mapping that leaves by the bridge.
void set_hairpin(const NlSocket& sock, int port_index, bool on);

}  // namespace nexus::net
