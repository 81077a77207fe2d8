#pragma once
// The masquerade map's element and its owner-set twin (shared/nat/masquerade.h) as nf_tables set elements, for
// the netlink fast path (shared/nat/nft_batch.h). They are byte for byte what nft writes for masquerade.cpp's
// text of the same element (tests/integration/nat_masquerade_fast_path_test.cpp holds the two to that), so
// either path finds, checks and removes what the other wrote. The names of the table, maps and sets live here.
#include <string>

#include "shared/base/ip_address.h"
#include "shared/nat/nft_batch.h"
#include "shared/nat/owned_elements.h"

namespace nexus::nat {

/// table inet nexus
inline constexpr const char* kMasqueradeTable = "nexus";

/// The map of `a`'s family ("bridge_masq_v4" / "bridge_masq_v6") and its owner set ("bridge_owner_v4"/"_v6").
const char* masquerade_map(const IpAddress& a);
const char* masquerade_owner_set(const IpAddress& a);

/// The map's element: bridge . address : jump chain, comment owner.
SetElement masquerade_element(const std::string& bridge, const IpAddress& a, const std::string& chain,
                              const std::string& owner);
/// Its twin in the owner set: bridge . address . token.
SetElement masquerade_twin(const std::string& bridge, const IpAddress& a, OwnerToken token);

}  // namespace nexus::nat
