#pragma once
// What Nexus's masquerade map holds in the caller's netns, read with `nft -j` (tests may run nft).
#include <set>
#include <string>

namespace nexus::testutil {

/// IPv4 addresses in `inet nexus` map masq_v4, one entry per element (empty when the table does not exist).
std::multiset<std::string> masqueraded_v4();

}  // namespace nexus::testutil
