#include "shared/base/ip_address.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"

using nexus::IpAddress;
using nexus::IpPrefix;

namespace {
IpAddress ip(const char* text) {
  const auto a = IpAddress::parse(text);
  REQUIRE_MESSAGE(a.has_value(), text);
  return *a;
}
std::string canon(const char* text) { return ip(text).to_string(); }
IpPrefix cidr(const char* text) {
  const auto p = IpPrefix::parse(text);
  REQUIRE_MESSAGE(p.has_value(), text);
  return *p;
}
}  // namespace

TEST_CASE("IpAddress parses and prints IPv4") {
  CHECK(canon("10.0.42.7") == "10.0.42.7");
  CHECK(canon("0.0.0.0") == "0.0.0.0");
  CHECK(canon("255.255.255.255") == "255.255.255.255");
  CHECK(ip("10.0.0.1").is_v4());
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.1.2", "010.0.0.1", " 10.0.0.1", "10.0.0.1 ",
                          "10.0.0.1/24", "a.b.c.d", "1e1.0.0.1"})
    CHECK_MESSAGE(!IpAddress::parse(bad), bad);
}

TEST_CASE("IpAddress prints IPv6 as Go's net.IP String does (RFC 5952)") {
  CHECK(canon("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
  CHECK(canon("::") == "::");
  CHECK(canon("::1") == "::1");
  CHECK(canon("1::") == "1::");
  CHECK(canon("2001:db8:0:1:0:0:0:1") == "2001:db8:0:1::1");      // longest zero run wins
  CHECK(canon("2001:0:0:1:0:0:0:1") == "2001:0:0:1::1");
  CHECK(canon("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");    // leftmost of equal runs
  CHECK(canon("2001:db8:1:1:1:1:0:1") == "2001:db8:1:1:1:1:0:1"); // a single zero group stays
  CHECK(canon("3ffe:ffff:0:01ff::0010") == "3ffe:ffff:0:1ff::10");
  CHECK(canon("::1.2.3.4") == "::102:304");
  CHECK(!ip("::1").is_v4());
  for (const char* bad : {":::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "2001:db8::g", "1::2::3", "[::1]"})
    CHECK_MESSAGE(!IpAddress::parse(bad), bad);
}

TEST_CASE("IPv4-mapped IPv6 text is IPv4, as Go's To4() makes it") {
  const IpAddress a = ip("::ffff:10.1.2.3");
  CHECK(a.is_v4());
  CHECK(a == ip("10.1.2.3"));
  CHECK(a.to_string() == "10.1.2.3");
}

TEST_CASE("IpAddress next/prev/add and the edges of each family") {
  CHECK(ip("10.0.0.255").next()->to_string() == "10.0.1.0");
  CHECK(ip("10.0.1.0").prev()->to_string() == "10.0.0.255");
  CHECK(!ip("255.255.255.255").next());
  CHECK(!ip("0.0.0.0").prev());
  CHECK(ip("10.0.0.1").add(255)->to_string() == "10.0.1.0");
  CHECK(ip("10.0.0.1").add(-2)->to_string() == "9.255.255.255");
  CHECK(!ip("255.255.255.0").add(256));
  CHECK(ip("2001:db8::ffff").next()->to_string() == "2001:db8::1:0");
  CHECK(ip("2001:db8::1:0").prev()->to_string() == "2001:db8::ffff");
  CHECK(!ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next());
  CHECK(!ip("::").prev());
  CHECK(ip("::").add(-1) == std::nullopt);
  REQUIRE(ip("::fffe:ffff:ffff").next());
  CHECK(!ip("::fffe:ffff:ffff").next()->is_v4());  // arithmetic never changes family
}

TEST_CASE("IpAddress ordering: numeric within a family, IPv4 before IPv6") {
  CHECK(ip("10.0.0.2") < ip("10.0.0.10"));
  CHECK(ip("9.255.255.255") < ip("10.0.0.0"));
  CHECK(ip("255.255.255.255") < ip("::"));
  CHECK(ip("2001:db8::2") > ip("2001:db8::1"));
  CHECK(ip("10.0.0.1") == ip("10.0.0.1"));
}

TEST_CASE("IpAddress bytes round trip") {
  std::uint8_t b[16];
  ip("2001:db8::1").to_bytes(b);
  CHECK(b[0] == 0x20);
  CHECK(b[15] == 1);
  CHECK(IpAddress::from_bytes(b, false) == ip("2001:db8::1"));
  ip("192.168.1.2").to_bytes(b);
  CHECK(IpAddress::from_bytes(b, true).to_string() == "192.168.1.2");
}

TEST_CASE("IpPrefix keeps the address, computes network, last and contains") {
  const auto p = IpPrefix::parse("10.0.0.5/24");
  REQUIRE(p);
  CHECK(p->to_string() == "10.0.0.5/24");
  CHECK(p->network().to_string() == "10.0.0.0");
  CHECK(p->last().to_string() == "10.0.0.255");
  CHECK(p->masked().to_string() == "10.0.0.0/24");
  CHECK(p->contains(ip("10.0.0.0")));
  CHECK(p->contains(ip("10.0.0.255")));
  CHECK(!p->contains(ip("10.0.1.0")));
  CHECK(!p->contains(ip("::a00:5")));
  const auto all = IpPrefix::parse("0.0.0.0/0");
  REQUIRE(all);
  CHECK(all->last().to_string() == "255.255.255.255");
  CHECK(all->contains(ip("1.2.3.4")));
  const auto host = IpPrefix::parse("10.1.2.3/32");
  REQUIRE(host);
  CHECK(host->network() == host->last());
}

TEST_CASE("IpPrefix IPv6") {
  const auto p = IpPrefix::parse("2001:db8:1::17/64");
  REQUIRE(p);
  CHECK(p->network().to_string() == "2001:db8:1::");
  CHECK(p->last().to_string() == "2001:db8:1:0:ffff:ffff:ffff:ffff");
  CHECK(p->contains(ip("2001:db8:1::ffff")));
  CHECK(!p->contains(ip("2001:db8:2::1")));
  const auto all = IpPrefix::parse("::/0");
  REQUIRE(all);
  CHECK(all->last().to_string() == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  CHECK(all->contains(ip("::1")));
  CHECK(IpPrefix::parse("::1/128")->length() == 128);
}

TEST_CASE("IpPrefix rejects bad text") {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "/24", "10.0.0.0/2a",
                          "10.0.0.0/+8", "10.0.0.0/-0", "::/129", "::ffff:10.0.0.0/104", "10.0.0.0/24/1",
                          "10.0.0.0 /24"})
    CHECK_MESSAGE(!IpPrefix::parse(bad), bad);
}

// From shared/net/ip_prefix's tests: what the netlink and nftables code asks of a prefix.
TEST_CASE("IpPrefix network and last at a length that is not a multiple of 8") {
  CHECK(cidr("10.0.0.9/13").masked().to_string() == "10.0.0.0/13");
  CHECK(cidr("10.15.255.9/13").masked().to_string() == "10.8.0.0/13");
  CHECK(cidr("10.15.255.9/13").last().to_string() == "10.15.255.255");
  CHECK(cidr("fd00:1::5/64").masked().to_string() == "fd00:1::/64");
  CHECK(cidr("::/0").masked().to_string() == "::/0");
}

TEST_CASE("IpPrefix overlap is containment either way, never across families") {
  CHECK(cidr("10.1.0.1/24").overlaps(cidr("10.1.0.254/24")));
  CHECK(cidr("10.1.0.1/16").overlaps(cidr("10.1.7.1/24")));
  CHECK(cidr("10.1.7.1/24").overlaps(cidr("10.1.0.1/16")));
  CHECK_FALSE(cidr("10.1.0.1/24").overlaps(cidr("10.1.1.1/24")));
  CHECK_FALSE(cidr("fd00::1/64").overlaps(cidr("fd00:0:0:1::1/64")));
  CHECK(cidr("fd00::1/48").overlaps(cidr("fd00:0:0:1::1/64")));
  CHECK_FALSE(cidr("0.0.0.0/0").overlaps(cidr("::/0")));
}

TEST_CASE("parse_prefix and parse_address: malformed configured text is code 7 naming key and value") {
  for (const char* bad : {"", "10.1.2", "10.1.2.3", "10.1.2.3/33", "10.1.2.3/", "10.1.2.3/-1", "fd00::/129", "x/24",
                          "10.1.2.3/2a"}) {
    try {
      nexus::parse_prefix(bad, "gateway");
      FAIL("accepted " << bad);
    } catch (const nexus::Error& e) {
      CHECK(e.code() == nexus::Code::InvalidConfig);
      CHECK(std::string(e.what()) == std::string("invalid gateway '") + bad + "'");
    }
  }
  CHECK_THROWS_WITH_AS(nexus::parse_address("10.1.2.3/24", "gw"), "invalid gw '10.1.2.3/24'", nexus::Error);
  CHECK(nexus::parse_address("fd00::1", "gw") == ip("fd00::1"));
  CHECK(nexus::parse_prefix("10.1.2.3/24", "address") == cidr("10.1.2.3/24"));
}

TEST_CASE("parse_address_or_prefix: a requested address with or without its prefix length") {
  CHECK(nexus::parse_address_or_prefix("10.0.42.7") == ip("10.0.42.7"));
  CHECK(nexus::parse_address_or_prefix("10.0.42.7/24") == ip("10.0.42.7"));
  CHECK(nexus::parse_address_or_prefix("fd00::7/64") == ip("fd00::7"));
  for (const char* bad : {"", "10.0.42", "10.0.42.7/33", "10.0.42.7/", "/24", "fd00::7/129", "10.0.42.7 "})
    CHECK_MESSAGE(!nexus::parse_address_or_prefix(bad), bad);
}
