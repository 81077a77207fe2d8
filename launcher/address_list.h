#pragma once
// A node's addresses in one line, as messages and `node list` print them.
#include <string>
#include <vector>

#include "shared/base/ip_address.h"

namespace nexus::launcher {

/// "10.0.42.2/24<separator>fd00::2/64", or `when_none` when there is no address.
std::string address_list(const std::vector<IpPrefix>& addresses, const std::string& separator,
                         const std::string& when_none);

}  // namespace nexus::launcher
