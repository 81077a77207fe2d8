#pragma once
// 802.1Q VLANs on a bridge (the kernel's "bridge VLAN filtering", CONFIG_BRIDGE_VLAN_FILTERING): the bridge's
// vlan_filtering switch and the VLAN entries of its ports. libnl 3.7 has no setters for these, so the requests
// are built here by hand; each builder is public so unit tests can decode exactly what is sent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/base/error.h"
#include "shared/net/link.h"
#include "shared/net/nl_ptr.h"
#include "shared/net/nl_socket.h"

struct nlattr;

namespace nexus::net {

/// VLAN ids 1..4094 (0 and 4095 are reserved by 802.1Q).
inline constexpr unsigned kMinVlanId = 1;
inline constexpr unsigned kMaxVlanId = 4094;

/// One VLAN entry of a bridge port: VLAN `first`, or the range first..last (sent as one RANGE_BEGIN/RANGE_END
/// pair, so a 4094-VLAN trunk is two attributes, not 4094). A range never carries `pvid` (the kernel refuses it).
struct VlanEntry {
  uint16_t first = 0;
  uint16_t last = 0;
  bool pvid = false;      ///< untagged frames entering the port belong to this VLAN
  bool untagged = false;  ///< frames of this VLAN leave the port untagged
  bool operator==(const VlanEntry&) const = default;
};

/// What a bridge says about VLAN filtering (its IFLA_LINKINFO data).
struct BridgeVlanState {
  /// The kernel can filter VLANs: it reports IFLA_BR_VLAN_DEFAULT_PVID, which only a kernel built with
  /// CONFIG_BRIDGE_VLAN_FILTERING does (IFLA_BR_VLAN_FILTERING itself is reported either way).
  bool supported = false;
  bool filtering = false;     ///< IFLA_BR_VLAN_FILTERING
  uint16_t default_pvid = 0;  ///< the VLAN every new port gets (pvid, untagged); 0 = none
};

/// The refusal of a configuration that needs VLANs on a kernel without them (code 100), naming the feature.
Error vlan_filtering_unsupported(const std::string& bridge);

/// The bridge's VLAN state (one RTM_GETLINK); nullopt when the link is missing or not a bridge.
std::optional<BridgeVlanState> bridge_vlan_state(const NlSocket& sock, int bridge_index);
/// Parses a RTM_NEWLINK reply for a bridge; nullopt when it is not one.
std::optional<BridgeVlanState> parse_bridge_vlan_state(nl_msg* reply);

/// Whether this kernel can filter VLANs on bridges, found without touching any namespace we can see: a
/// thread creates a bridge with vlan_filtering in a network namespace of its own (unshare), which dies with
/// it. nullopt when it cannot tell (no CAP_SYS_ADMIN to unshare, an unexpected error).
std::optional<bool> probe_bridge_vlan_filtering();

/// RTM_NEWLINK (no NLM_F_CREATE) turning vlan_filtering on for the existing bridge `bridge_index`.
NlMsgPtr vlan_filtering_message(int bridge_index);
/// Turns vlan_filtering on; code 100 when the kernel cannot.
void enable_vlan_filtering(const NlSocket& sock, const Link& bridge);

/// RTM_SETLINK (add) or RTM_DELLINK (remove) of `entries` on bridge port `port_index`: family AF_BRIDGE,
/// IFLA_AF_SPEC holding one IFLA_BRIDGE_VLAN_INFO per VLAN (two per range). No IFLA_BRIDGE_FLAGS: the request
/// goes to the port's master, the bridge. (AF_BRIDGE matters: a RTM_DELLINK of family AF_UNSPEC deletes the link.)
NlMsgPtr port_vlan_message(int type, int port_index, const std::vector<VlanEntry>& entries);
void add_port_vlans(const NlSocket& sock, int port_index, const std::vector<VlanEntry>& entries);
/// Removes `entries`; an entry the port does not have is no error.
void remove_port_vlans(const NlSocket& sock, int port_index, const std::vector<VlanEntry>& entries);

/// The VLAN entries of bridge port `port_index` (a dump of AF_BRIDGE links with their compressed VLAN lists);
/// empty when it has none or is no port.
std::vector<VlanEntry> port_vlans(const NlSocket& sock, int port_index);
/// Decodes an IFLA_AF_SPEC of the kernel's (or of port_vlan_message) into entries; ranges stay ranges.
std::vector<VlanEntry> parse_vlan_af_spec(const nlattr* af_spec);

}  // namespace nexus::net
