#include "shared/net/nl_address.h"

#include <sys/socket.h>

#include <cstdint>

#include "shared/base/error.h"

namespace nexus::net {

int family_of(const IpAddress& address) noexcept { return address.is_v4() ? AF_INET : AF_INET6; }

NlAddrPtr to_nl_addr(const IpAddress& address) {
  std::uint8_t bytes[16];
  address.to_bytes(bytes);
  NlAddrPtr addr(nl_addr_build(family_of(address), bytes, static_cast<size_t>(address.bits() / 8)));
  if (!addr) throw Error(Code::Internal, "allocate netlink address: out of memory");
  return addr;
}

NlAddrPtr to_nl_addr(const IpPrefix& prefix) {
  NlAddrPtr addr = to_nl_addr(prefix.address());
  nl_addr_set_prefixlen(addr.get(), prefix.length());
  return addr;
}

IpPrefix prefix_from_nl(const nl_addr* addr, int family) {
  const bool v4 = family == AF_INET;
  const IpAddress zero = IpAddress::from_value(v4, 0);
  if (addr == nullptr) return IpPrefix(zero, 0);
  const int length = static_cast<int>(nl_addr_get_prefixlen(addr));
  if (nl_addr_get_len(addr) != (v4 ? 4u : 16u)) return IpPrefix(zero, length);
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(addr));
  return IpPrefix(IpAddress::from_bytes(bytes, v4), length);
}

}  // namespace nexus::net
