#pragma once
// What Nexus's masquerade maps hold in the caller's netns, read with `nft -j` (tests may run nft).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace nexus::testutil {

/// One element of a masquerade map of `inet nexus`.
struct MasqElement {
  std::string bridge;   // "" in maps keyed by address alone (older Nexus)
  std::string address;  // without prefix length
  std::string owner;    // the element's comment, "" when none
  bool operator<(const MasqElement& o) const {
    return std::tie(bridge, address, owner) < std::tie(o.bridge, o.address, o.owner);
  }
  bool operator==(const MasqElement&) const = default;
};

/// Every element of the masquerade maps (verdict maps) of `inet nexus`; empty when the table does not exist.
std::vector<MasqElement> masquerade_elements();
/// IPv4 addresses among masquerade_elements(), one entry per element.
std::multiset<std::string> masqueraded_v4();
/// IPv4 addresses of the owner tokens (set bridge_owner_v4), one entry per token: each element has exactly one.
std::multiset<std::string> owner_tokens_v4();

/// One element of a port publishing map of `inet nexus` (port_dnat_v4, _addr_v4, _v6, _addr_v6).
struct PortElement {
  std::string map;
  std::string mapping;  // key and value as `nft -j` prints them: "[\"tcp\",8080] -> [\"10.0.0.2\",80]"
  std::string owner;    // the element's comment, "" when none
  bool operator<(const PortElement& o) const {
    return std::tie(map, mapping, owner) < std::tie(o.map, o.mapping, o.owner);
  }
  bool operator==(const PortElement&) const = default;
};
/// Every element of the port publishing maps; empty when the table does not exist.
std::multiset<PortElement> port_elements();
/// The number of owner tokens in the port_owner_* sets (each published element has exactly one).
int port_owner_tokens();

/// One container port's macspoofchk elements in `table bridge nexus`.
struct SpoofCheckElements {
  std::string owner;              // the comment of the port's element in macspoofchk_ports; "" when none
  bool in_ports = false;          // the port has an element in macspoofchk_ports
  std::vector<std::string> macs;  // its MACs in macspoofchk_macs
  int tokens = 0;                 // its owner tokens in macspoofchk_owner
  bool operator==(const SpoofCheckElements&) const = default;
};
/// Every port with an element in a macspoofchk set of `bridge nexus`; empty when the table does not exist.
std::map<std::string, SpoofCheckElements> spoof_check_elements();
/// Packets the drop rule of chain macspoofchk counted; 0 when there is no such table.
uint64_t spoof_check_drops();

}  // namespace nexus::testutil
