#pragma once
// Interface addresses: add, list, delete, and the gateway address a bridge carries.
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"

namespace nexus::net {

/// An address on a link as the kernel reports it.
struct Address {
  IpPrefix prefix;  ///< local address + prefix length
  int ifindex = 0;
  unsigned flags = 0;  ///< IFA_F_* (IFA_F_TENTATIVE, IFA_F_NODAD, IFA_F_PERMANENT, ...)
  int scope = 0;       ///< RT_SCOPE_*
};

/// Options for ensure_address().
struct AddressOptions {
  bool nodad = false;  ///< IPv6: usable at once, skip duplicate address detection (IFA_F_NODAD)
};

/// Adds `prefix` to link `ifindex` (IPv4 gets the subnet's broadcast address). Returns false if the address was
/// already there.
bool ensure_address(const NlSocket& sock, int ifindex, const IpPrefix& prefix, const AddressOptions& options = {});
/// Removes `prefix` from link `ifindex`; false if it was not there.
bool delete_address(const NlSocket& sock, int ifindex, const IpPrefix& prefix);
/// Addresses of link `ifindex` of `family` (AF_UNSPEC: both), read with one filtered dump.
std::vector<Address> list_addresses(const NlSocket& sock, int ifindex, int family = 0);

/// Puts gateway address `gateway` (e.g. 10.1.0.1/24) on `bridge`. Present already: nothing to do. A different
/// address of the same family whose subnet overlaps it (e.g. 10.1.0.254/24): error (code 7) unless `force`, which
/// replaces it, like the reference's forceAddress. Non-overlapping subnets coexist (several ranges, one bridge).
/// Racing processes adding the same gateway all succeed.
void ensure_gateway_address(const NlSocket& sock, const Link& bridge, const IpPrefix& gateway, bool force);

}  // namespace nexus::net
