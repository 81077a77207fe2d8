#include "shared/net/ip_prefix.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "shared/base/error.h"

namespace nexus::net {
namespace {

Error invalid(const std::string& key, const std::string& text) {
  return Error(Code::InvalidConfig, "invalid " + key + " '" + text + "'");
}

int parse_prefix_len(const std::string& digits, int max, const std::string& key, const std::string& text) {
  if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
    throw invalid(key, text);
  }
  const int len = std::stoi(digits);
  if (len > max) throw invalid(key, text);
  return len;
}

// Keeps the first `bits` bits of `bytes`, zeroes the rest.
void mask(std::array<uint8_t, 16>& bytes, int bits, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    const int keep = bits - static_cast<int>(i) * 8;
    if (keep >= 8) continue;
    bytes[i] = keep <= 0 ? 0 : static_cast<uint8_t>(bytes[i] & (0xff << (8 - keep)));
  }
}

}  // namespace

IpPrefix IpPrefix::parse(const std::string& text, const std::string& key) {
  const size_t slash = text.find('/');
  const std::string ip = text.substr(0, slash);
  IpPrefix p;
  if (::inet_pton(AF_INET, ip.c_str(), p.bytes.data()) == 1) {
    p.family = AF_INET;
  } else if (::inet_pton(AF_INET6, ip.c_str(), p.bytes.data()) == 1) {
    p.family = AF_INET6;
  } else {
    throw invalid(key, text);
  }
  p.prefix_len = slash == std::string::npos ? p.max_prefix()
                                            : parse_prefix_len(text.substr(slash + 1), p.max_prefix(), key, text);
  return p;
}

IpPrefix IpPrefix::from_bytes(int family, const void* data, int prefix_len) {
  IpPrefix p;
  p.family = family;
  p.prefix_len = prefix_len;
  std::memcpy(p.bytes.data(), data, p.size());
  return p;
}

std::string IpPrefix::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string IpPrefix::to_string() const { return ip_string() + "/" + std::to_string(prefix_len); }

IpPrefix IpPrefix::network() const {
  IpPrefix n = *this;
  mask(n.bytes, prefix_len, size());
  return n;
}

bool IpPrefix::overlaps(const IpPrefix& other) const {
  if (family != other.family) return false;
  const int bits = std::min(prefix_len, other.prefix_len);
  std::array<uint8_t, 16> a = bytes, b = other.bytes;
  mask(a, bits, size());
  mask(b, bits, size());
  return a == b;
}

NlAddrPtr IpPrefix::to_nl_addr() const {
  NlAddrPtr addr(nl_addr_build(family, bytes.data(), size()));
  if (!addr) throw Error(Code::Internal, "allocate netlink address: out of memory");
  nl_addr_set_prefixlen(addr.get(), prefix_len);
  return addr;
}

IpPrefix IpPrefix::broadcast() const {
  IpPrefix b = *this;
  for (size_t i = 0; i < 4; ++i) {
    const int keep = prefix_len - static_cast<int>(i) * 8;
    if (keep < 8) b.bytes[i] = static_cast<uint8_t>(b.bytes[i] | (keep <= 0 ? 0xff : (0xff >> keep)));
  }
  return b;
}

}  // namespace nexus::net
