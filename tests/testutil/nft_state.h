#pragma once
// What Nexus's masquerade maps hold in the caller's netns, read with `nft -j` (tests may run nft).
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

}  // namespace nexus::testutil
