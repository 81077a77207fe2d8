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

/// One container port's macspoofchk elements in `table bridge nexus`.
struct SpoofCheckElements {
  std::string owner;              // the comment of the port's element in macspoofchk_ports; "" when none
  bool in_ports = false;          // the port has an element in macspoofchk_ports
  std::vector<std::string> macs;  // its MACs in macspoofchk_macs
  int tokens = 0;                 // its owner tokens in macspoofchk_owner
};
/// Every port with an element in a macspoofchk set of `bridge nexus`; empty when the table does not exist.
std::map<std::string, SpoofCheckElements> spoof_check_elements();
/// Packets the drop rule of chain macspoofchk counted; 0 when there is no such table.
uint64_t spoof_check_drops();

}  // namespace nexus::testutil
