#include "shared/base/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <utility>
#include <cstdio>

#include "shared/base/error.h"

namespace nexus {
namespace {

constexpr IpAddress::Value kV4Max = 0xffffffffu;
constexpr IpAddress::Value kV6Max = ~IpAddress::Value{0};

IpAddress::Value max_value(bool v4) { return v4 ? kV4Max : kV6Max; }

Error invalid(const std::string& key, std::string_view text) {
  return Error(Code::InvalidConfig, "invalid " + key + " '" + std::string(text) + "'");
}

std::string format_v4(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  return buf;
}

// RFC 5952 as Go prints it: the longest run (>= 2) of zero groups becomes "::", the leftmost on a tie.
std::string format_v6(IpAddress::Value v) {
  std::uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>(v >> (16 * (7 - i)));
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = (j == i) ? i + 1 : j;
  }
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

// The address `text` spells and whether it is written in IPv6 form (which an IPv4-mapped address is, though it
// parses as IPv4).
std::optional<std::pair<IpAddress, bool>> parse_text(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  std::uint8_t bytes[16];
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) return std::pair{IpAddress::from_bytes(bytes, true), false};
  if (inet_pton(AF_INET6, s.c_str(), bytes) != 1) return std::nullopt;
  const IpAddress a = IpAddress::from_bytes(bytes, false);
  if ((a.value() >> 32) == 0xffff) return std::pair{IpAddress::from_value(true, a.value()), true};  // Go's To4()
  return std::pair{a, true};
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const auto parsed = parse_text(text);
  if (!parsed) return std::nullopt;
  return parsed->first;
}

IpAddress IpAddress::from_value(bool v4, Value value) noexcept {
  IpAddress a;
  a.v4_ = v4;
  a.value_ = v4 ? (value & kV4Max) : value;
  return a;
}

IpAddress IpAddress::from_bytes(const std::uint8_t* bytes, bool v4) noexcept {
  Value v = 0;
  for (int i = 0; i < (v4 ? 4 : 16); ++i) v = (v << 8) | bytes[i];
  return from_value(v4, v);
}

void IpAddress::to_bytes(std::uint8_t* out) const noexcept {
  const int n = v4_ ? 4 : 16;
  for (int i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(value_ >> (8 * (n - 1 - i)));
}

std::string IpAddress::to_string() const {
  if (v4_) return format_v4(static_cast<std::uint32_t>(value_));
  if ((value_ >> 32) == 0xffff) return format_v4(static_cast<std::uint32_t>(value_));  // Go prints mapped as v4
  return format_v6(value_);
}

std::optional<IpAddress> IpAddress::add(__int128 offset) const noexcept {
  const Value max = max_value(v4_);
  if (offset >= 0) {
    const Value up = static_cast<Value>(offset);
    if (up > max - value_) return std::nullopt;
    return from_value(v4_, value_ + up);
  }
  // -(offset+1)+1 avoids overflowing on the most negative __int128.
  const Value down = static_cast<Value>(-(offset + 1)) + 1;
  if (down > value_) return std::nullopt;
  return from_value(v4_, value_ - down);
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view addr_text = text.substr(0, slash), len_text = text.substr(slash + 1);
  const auto parsed = parse_text(addr_text);
  if (!parsed) return std::nullopt;
  const auto [address, ipv6_form] = *parsed;
  // "::ffff:10.0.0.0/104" would mix an IPv4 address with an IPv6 mask; Go's host-local rejects it too.
  if (address.is_v4() && ipv6_form) return std::nullopt;
  int len = -1;
  // Digits only: from_chars would take "-0" as a length of 0.
  if (len_text.empty() || len_text.size() > 3 || len_text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || end != len_text.data() + len_text.size()) return std::nullopt;
  if (len < 0 || len > address.bits()) return std::nullopt;
  return IpPrefix(address, len);
}

IpAddress::Value IpPrefix::host_mask() const noexcept {
  const int host_bits = address_.bits() - length_;
  if (host_bits >= 128) return kV6Max;
  return (IpAddress::Value{1} << host_bits) - 1;
}

IpAddress IpPrefix::network() const noexcept {
  return IpAddress::from_value(address_.is_v4(), address_.value() & ~host_mask());
}

IpAddress IpPrefix::last() const noexcept {
  return IpAddress::from_value(address_.is_v4(), address_.value() | host_mask());
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
  return a.is_v4() == address_.is_v4() && (a.value() & ~host_mask()) == network().value();
}

bool IpPrefix::overlaps(const IpPrefix& other) const noexcept {
  if (is_v4() != other.is_v4()) return false;
  const IpPrefix& wider = length_ <= other.length_ ? *this : other;
  const IpPrefix& narrower = length_ <= other.length_ ? other : *this;
  return wider.contains(narrower.address_);
}

std::string IpPrefix::to_string() const { return address_.to_string() + "/" + std::to_string(length_); }

IpAddress parse_address(std::string_view text, const std::string& key) {
  const auto a = IpAddress::parse(text);
  if (!a) throw invalid(key, text);
  return *a;
}

IpPrefix parse_prefix(std::string_view text, const std::string& key) {
  const auto p = IpPrefix::parse(text);
  if (!p) throw invalid(key, text);
  return *p;
}

std::optional<IpAddress> parse_address_or_prefix(std::string_view text) {
  if (text.find('/') == std::string_view::npos) return IpAddress::parse(text);
  const auto p = IpPrefix::parse(text);
  if (!p) return std::nullopt;
  return p->address();
}

}  // namespace nexus
