#include "shared/nat/masquerade_elements.h"

namespace nexus::nat {

const char* masquerade_map(const IpAddress& a) { return a.is_v4() ? "bridge_masq_v4" : "bridge_masq_v6"; }
const char* masquerade_owner_set(const IpAddress& a) { return a.is_v4() ? "bridge_owner_v4" : "bridge_owner_v6"; }

SetElement masquerade_element(const std::string& bridge, const IpAddress& a, const std::string& chain,
                              const std::string& owner) {
  SetElement e{.set = masquerade_map(a), .key = {}, .jump = chain, .comment = owner};
  e.key.ifname(bridge).address(a);
  return e;
}

SetElement masquerade_twin(const std::string& bridge, const IpAddress& a, OwnerToken token) {
  SetElement e{.set = masquerade_owner_set(a), .key = {}, .jump = {}, .comment = {}};
  e.key.ifname(bridge).address(a).mark(token.hi).mark(token.lo);
  return e;
}

}  // namespace nexus::nat
