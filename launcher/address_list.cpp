#include "launcher/address_list.h"

namespace nexus::launcher {

std::string address_list(const std::vector<IpPrefix>& addresses, const std::string& separator,
                         const std::string& when_none) {
  std::string out;
  for (const IpPrefix& a : addresses) out += (out.empty() ? "" : separator) + a.to_string();
  return out.empty() ? when_none : out;
}

}  // namespace nexus::launcher
