#include "shared/net/ip_prefix.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include "shared/base/error.h"

using nexus::net::IpPrefix;

TEST_CASE("IpPrefix parses IPv4 and IPv6 with and without a prefix length") {
  const IpPrefix v4 = IpPrefix::parse("10.1.2.3/24");
  CHECK(v4.family == AF_INET);
  CHECK(v4.prefix_len == 24);
  CHECK(v4.to_string() == "10.1.2.3/24");
  CHECK(v4.network().to_string() == "10.1.2.0/24");
  CHECK(v4.broadcast().ip_string() == "10.1.2.255");
  CHECK(IpPrefix::parse("10.1.2.3").prefix_len == 32);
  const IpPrefix v6 = IpPrefix::parse("fd00:1::5/64");
  CHECK(v6.family == AF_INET6);
  CHECK(v6.to_string() == "fd00:1::5/64");
  CHECK(v6.network().to_string() == "fd00:1::/64");
  CHECK(IpPrefix::parse("::/0").network().to_string() == "::/0");
  CHECK(IpPrefix::parse("10.0.0.9/13").network().to_string() == "10.0.0.0/13");
  CHECK(IpPrefix::parse("10.15.255.9/13").network().to_string() == "10.8.0.0/13");
  CHECK(IpPrefix::parse("10.15.255.9/13").broadcast().ip_string() == "10.15.255.255");
}

TEST_CASE("IpPrefix rejects malformed text with code 7 naming key and value") {
  for (const char* bad : {"", "10.1.2", "10.1.2.3/33", "10.1.2.3/", "10.1.2.3/-1", "fd00::/129", "x/24", "10.1.2.3/2a"}) {
    try {
      IpPrefix::parse(bad, "gateway");
      FAIL("accepted " << bad);
    } catch (const nexus::Error& e) {
      CHECK(e.code() == nexus::Code::InvalidConfig);
      CHECK(std::string(e.what()) == std::string("invalid gateway '") + bad + "'");
    }
  }
}

TEST_CASE("IpPrefix overlap is containment either way, never across families") {
  CHECK(IpPrefix::parse("10.1.0.1/24").overlaps(IpPrefix::parse("10.1.0.254/24")));
  CHECK(IpPrefix::parse("10.1.0.1/16").overlaps(IpPrefix::parse("10.1.7.1/24")));
  CHECK(IpPrefix::parse("10.1.7.1/24").overlaps(IpPrefix::parse("10.1.0.1/16")));
  CHECK_FALSE(IpPrefix::parse("10.1.0.1/24").overlaps(IpPrefix::parse("10.1.1.1/24")));
  CHECK_FALSE(IpPrefix::parse("fd00::1/64").overlaps(IpPrefix::parse("fd00:0:0:1::1/64")));
  CHECK(IpPrefix::parse("fd00::1/48").overlaps(IpPrefix::parse("fd00:0:0:1::1/64")));
  CHECK_FALSE(IpPrefix::parse("0.0.0.0/0").overlaps(IpPrefix::parse("::/0")));
}
