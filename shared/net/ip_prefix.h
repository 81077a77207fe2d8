#pragma once
// An IPv4 or IPv6 address with a prefix length, as the netlink code needs it: parsed once, compared by bits.
#include <array>
#include <cstdint>
#include <string>

#include "shared/base/ip_address.h"
#include "shared/net/nl_ptr.h"

namespace nexus::net {

/// "10.1.0.2/24", "fd00::2/64", or a bare address (prefix = full length).
struct IpPrefix {
  int family = 0;                     ///< AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};    ///< network byte order; IPv4 uses the first 4
  int prefix_len = 0;

  /// Parses text; throws Error code 7 naming `key` and the value if malformed.
  static IpPrefix parse(const std::string& text, const std::string& key = "address");
  /// TEMPORARY adapter (issue 10): the masquerade code still takes this type until it moves to nexus::IpPrefix.
  static IpPrefix parse(const nexus::IpPrefix& prefix, const std::string& key = "address") {
    return parse(prefix.to_string(), key);
  }
  /// Builds from raw bytes (4 or 16 of them).
  static IpPrefix from_bytes(int family, const void* data, int prefix_len);

  int max_prefix() const noexcept { return family == AF_INET6 ? 128 : 32; }
  size_t size() const noexcept { return family == AF_INET6 ? 16 : 4; }
  /// "10.1.0.2"
  std::string ip_string() const;
  /// "10.1.0.2/24"
  std::string to_string() const;
  /// The first address of the subnet: 10.1.0.2/24 -> 10.1.0.0/24.
  IpPrefix network() const;
  /// True if the two subnets share an address (one contains the other).
  bool overlaps(const IpPrefix& other) const;
  /// Same address and prefix length.
  bool operator==(const IpPrefix& other) const = default;
  /// A libnl address carrying the prefix length.
  NlAddrPtr to_nl_addr() const;
  /// IPv4 only: the directed broadcast address of the subnet.
  IpPrefix broadcast() const;
};

}  // namespace nexus::net
