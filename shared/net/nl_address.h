#pragma once
// Conversions between Nexus's address type (shared/base/ip_address.h) and libnl's nl_addr, for the netlink code.
#include "shared/base/ip_address.h"
#include "shared/net/nl_ptr.h"

namespace nexus::net {

/// AF_INET or AF_INET6.
int family_of(const IpAddress& address) noexcept;
inline int family_of(const IpPrefix& prefix) noexcept { return family_of(prefix.address()); }

/// A libnl address of the full length (a host address, e.g. a gateway).
NlAddrPtr to_nl_addr(const IpAddress& address);
/// A libnl address carrying the prefix length, address as kept (host bits not cleared).
NlAddrPtr to_nl_addr(const IpPrefix& prefix);

/// The address of `family` libnl holds: all zeros when `addr` is null or of another length (the kernel leaves
/// the destination of a default route empty), with its prefix length.
IpPrefix prefix_from_nl(const nl_addr* addr, int family);

}  // namespace nexus::net
