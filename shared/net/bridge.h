#pragma once
// The host bridge every container of a network hangs off.
#include <array>
#include <optional>
#include <string>

#include "shared/net/link.h"
#include "shared/net/nl_ptr.h"

namespace nexus::net {

/// How ensure_bridge() creates (or adjusts) the bridge.
struct BridgeOptions {
  std::optional<unsigned> mtu{};  ///< only applied when the bridge is created
  bool promisc = false;         ///< set IFF_PROMISC (also on an existing bridge)
  /// 802.1Q VLAN filtering on (also on an existing bridge that has it off); code 100 on a kernel without it
  /// (shared/net/bridge_vlan.h), and then nothing is created or changed.
  bool vlan_filtering = false;
};

/// Returns the bridge `name`, creating it if missing: up, STP off, forward delay 0, and a fixed locally
/// administered MAC derived from the name. Safe when many processes race to create it: exactly one creates it,
/// the others find it. An existing link of that name that is not a bridge is an error (code 7); an existing
/// bridge that is down is brought up.
Link ensure_bridge(const NlSocket& sock, const std::string& name, const BridgeOptions& options = {});
/// ensure_bridge() for a link the caller has just found (find_link): checks it is a bridge, applies `options`,
/// brings it up; saves the lookup.
Link adopt_bridge(const NlSocket& sock, const Link& existing, const BridgeOptions& options = {});

/// The RTM_NEWLINK creating bridge `name` as ensure_bridge() does (NLM_F_CREATE | NLM_F_EXCL).
NlMsgPtr bridge_create_message(const std::string& name, const BridgeOptions& options);

/// The bridge MAC for `name`: stable across restarts, locally administered, unicast. A bridge otherwise takes
/// the lowest MAC of its ports, which changes as containers come and go and leaves stale gateway ARP entries
/// in every container.
std::array<unsigned char, 6> bridge_mac(const std::string& name);

/// Turns hairpin mode (IFLA_BRPORT_MODE) on or off for bridge port `port_index`, so a container can reach
/// itself through a port mapping that leaves by the bridge.
void set_hairpin(const NlSocket& sock, int port_index, bool on);

/// Turns port isolation (IFLA_BRPORT_ISOLATED, kernel >= 4.18) on or off for bridge port `port_index`. The bridge
/// forwards nothing between two isolated ports; an isolated port still reaches the bridge itself (the host and
/// the gateway address on it) and every port that is not isolated.
void set_port_isolated(const NlSocket& sock, int port_index, bool on);
/// Whether bridge port `port_index` is isolated; nullopt when the link is missing or not a bridge port.
std::optional<bool> port_isolated(const NlSocket& sock, int port_index);

/// Whether bridge `bridge` has a port other than `leaving_port` (0: none is leaving); false when it is gone. One
/// dump on a socket of its own, read only until the first such port (the bridge's index comes from an ioctl):
/// DEL's cheap gate before what only the bridge's last attachment does. True, to be safe, when links changed
/// during the dump.
bool has_ports_besides(const std::string& bridge, int leaving_port = 0);

/// The RTM_SETLINK request setting one on/off bridge port attribute (IFLA_BRPORT_MODE, IFLA_BRPORT_ISOLATED, ...)
/// of `port_index`: AF_BRIDGE, the attribute in a nested IFLA_PROTINFO. libnl 3.7 has setters for some of these
/// flags only (not "isolated"), so every port flag is set with this one message.
NlMsgPtr port_flag_message(int port_index, int attr, bool on);

}  // namespace nexus::net
