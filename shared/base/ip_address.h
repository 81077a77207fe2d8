#pragma once
// The one address type of Nexus: IPv4 and IPv6 addresses and prefixes as values, from the CNI result through
// IPAM and netlink to nftables, so an address prints the same wherever it goes. One parser and one text form:
// Go's net.IP String(), because host-local names its lease files that way and both plugins must agree on one
// file per address. Conversions to other representations (nl_addr, nftables text) live beside their users.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nexus {

/// One IPv4 or IPv6 address. IPv4-mapped IPv6 text ("::ffff:1.2.3.4") parses as IPv4, as Go does.
class IpAddress {
 public:
  using Value = unsigned __int128;

  /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt for anything else (zones, prefixes, spaces).
  static std::optional<IpAddress> parse(std::string_view text);
  /// Builds an address from its numeric value; for IPv4 only the low 32 bits are used.
  static IpAddress from_value(bool v4, Value value) noexcept;
  /// From network-order bytes: 4 bytes -> IPv4, 16 bytes -> IPv6 (mapped IPv4 stays IPv6 here).
  static IpAddress from_bytes(const std::uint8_t* bytes, bool v4) noexcept;

  bool is_v4() const noexcept { return v4_; }
  /// Address width in bits: 32 or 128.
  int bits() const noexcept { return v4_ ? 32 : 128; }
  Value value() const noexcept { return value_; }
  /// Writes 4 or 16 network-order bytes.
  void to_bytes(std::uint8_t* out) const noexcept;
  /// Canonical text: "10.0.0.1", "2001:db8::1" (RFC 5952, Go's net.IP String()).
  std::string to_string() const;

  /// The address `offset` further (may be negative); nullopt when it leaves the family's space.
  std::optional<IpAddress> add(__int128 offset) const noexcept;
  /// The following address; nullopt after 255.255.255.255 / ffff:...:ffff.
  std::optional<IpAddress> next() const noexcept { return add(1); }
  /// The preceding address; nullopt before 0.0.0.0 / ::.
  std::optional<IpAddress> prev() const noexcept { return add(-1); }

  /// Orders IPv4 before IPv6, then numerically.
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) noexcept {
    if (a.v4_ != b.v4_) return a.v4_ ? std::strong_ordering::less : std::strong_ordering::greater;
    return a.value_ <=> b.value_;
  }
  friend bool operator==(const IpAddress& a, const IpAddress& b) noexcept = default;

 private:
  bool v4_ = true;
  Value value_ = 0;
};

/// Parses a configured address; throws Error code 7 "invalid <key> '<text>'" when malformed.
IpAddress parse_address(std::string_view text, const std::string& key);

/// An address with a prefix length, e.g. 10.0.0.5/24. The address is kept as written; network() masks it.
class IpPrefix {
 public:
  /// Parses "<address>/<length>"; nullopt on bad text or a length beyond the family's width.
  static std::optional<IpPrefix> parse(std::string_view text);
  /// 0.0.0.0/0, so structs holding a prefix can be default-constructed before they are filled in.
  IpPrefix() noexcept : IpPrefix(IpAddress{}, 0) {}
  IpPrefix(IpAddress address, int length) noexcept : address_(address), length_(length) {}

  const IpAddress& address() const noexcept { return address_; }
  int length() const noexcept { return length_; }
  bool is_v4() const noexcept { return address_.is_v4(); }
  /// First address of the prefix (host bits cleared).
  IpAddress network() const noexcept;
  /// Last address of the prefix (host bits set): the IPv4 broadcast address.
  IpAddress last() const noexcept;
  /// True when `a` has the same family and lies within network()..last().
  bool contains(const IpAddress& a) const noexcept;
  /// The same prefix with host bits cleared.
  IpPrefix masked() const noexcept { return IpPrefix(network(), length_); }
  /// True when the two prefixes share an address (one contains the other); never across families.
  bool overlaps(const IpPrefix& other) const noexcept;
  /// "10.0.0.5/24" (address as kept, canonical text).
  std::string to_string() const;

  friend bool operator==(const IpPrefix& a, const IpPrefix& b) noexcept = default;

 private:
  IpAddress::Value host_mask() const noexcept;
  IpAddress address_;
  int length_;
};

/// Parses a configured "<address>/<length>"; throws Error code 7 "invalid <key> '<text>'" when malformed.
IpPrefix parse_prefix(std::string_view text, const std::string& key);

/// The address of "10.0.0.5" or of "10.0.0.5/24" (runtimes ask for an address either way); nullopt when
/// either form is malformed.
std::optional<IpAddress> parse_address_or_prefix(std::string_view text);

}  // namespace nexus
