#include "shared/ipam/range.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "shared/base/error.h"

using nexus::Code;
using nexus::Error;
using nexus::IpAddress;
using nexus::ipam::parse_range;
using nexus::ipam::Range;
using nexus::ipam::RangeSet;
using json = nlohmann::json;

namespace {
IpAddress ip(const char* t) { return *IpAddress::parse(t); }

// The message of the InvalidConfig error `fn` throws ("" if it throws nothing or another code).
template <class Fn>
std::string config_error(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    if (e.code() == Code::InvalidConfig) return e.what();
    return "wrong code " + std::to_string(static_cast<unsigned>(e.code())) + ": " + e.what();
  }
  return "";
}
std::string range_error(const char* text) {
  return config_error([&] { parse_range(json::parse(text)); });
}
}  // namespace

TEST_CASE("parse_range fills host-local's defaults for IPv4") {
  const Range r = parse_range(json::parse(R"({"subnet": "10.0.42.0/24"})"));
  CHECK(r.subnet.to_string() == "10.0.42.0/24");
  CHECK(r.start.to_string() == "10.0.42.1");
  CHECK(r.end.to_string() == "10.0.42.254");
  REQUIRE(r.gateway);
  CHECK(r.gateway->to_string() == "10.0.42.1");
  CHECK(r.to_string() == "10.0.42.1-10.0.42.254");
  CHECK(!r.is_allocatable(ip("10.0.42.1")));  // gateway
  CHECK(r.is_allocatable(ip("10.0.42.2")));
  CHECK(r.is_allocatable(ip("10.0.42.254")));
  CHECK(!r.is_allocatable(ip("10.0.42.255")));
  CHECK(!r.is_allocatable(ip("10.0.43.2")));
}

TEST_CASE("parse_range fills host-local's defaults for IPv6: the end is the last address") {
  const Range r = parse_range(json::parse(R"({"subnet": "2001:db8:1::/64"})"));
  CHECK(r.start.to_string() == "2001:db8:1::1");
  CHECK(r.end.to_string() == "2001:db8:1:0:ffff:ffff:ffff:ffff");
  CHECK(r.gateway->to_string() == "2001:db8:1::1");
  CHECK(r.is_allocatable(ip("2001:db8:1:0:ffff:ffff:ffff:ffff")));
}

TEST_CASE("parse_range keeps explicit values and canonicalises their text") {
  const Range r = parse_range(json::parse(
      R"({"subnet": "3ffe:ffff:0:01ff::/64", "rangeStart": "3ffe:ffff:0:01ff::0010",
          "rangeEnd": "3ffe:ffff:0:01ff::0020", "gateway": "3ffe:ffff:0:01ff::fe"})"));
  CHECK(r.to_string() == "3ffe:ffff:0:1ff::10-3ffe:ffff:0:1ff::20");
  CHECK(r.gateway->to_string() == "3ffe:ffff:0:1ff::fe");
  const Range v4 = parse_range(json::parse(R"({"subnet": "10.10.0.0/16", "rangeStart": "10.10.1.20",
      "rangeEnd": "10.10.3.50", "gateway": "10.10.0.254"})"));
  CHECK(v4.to_string() == "10.10.1.20-10.10.3.50");
  CHECK(!v4.is_allocatable(ip("10.10.1.19")));
  CHECK(v4.is_allocatable(ip("10.10.3.50")));
  const Range gw_elsewhere = parse_range(json::parse(R"({"subnet": "10.0.0.0/30", "gateway": "10.0.0.2"})"));
  CHECK(gw_elsewhere.is_allocatable(ip("10.0.0.1")));  // .1 is allocatable once the gateway is not .1
  CHECK(!gw_elsewhere.is_allocatable(ip("10.0.0.2")));
}

TEST_CASE("parse_range: every error is code 7 naming key and value") {
  CHECK(range_error(R"({"rangeStart": "10.0.0.2"})") == "invalid range: missing \"subnet\"");
  CHECK(range_error(R"({"subnet": 5})") == "invalid subnet 5: must be a string");
  CHECK(range_error(R"({"subnet": "10.0.0.0"})") == "invalid subnet \"10.0.0.0\": not an address prefix like 10.0.0.0/24");
  CHECK(range_error(R"({"subnet": "10.0.0.0/31"})") == "invalid subnet \"10.0.0.0/31\": too small to allocate from");
  CHECK(range_error(R"({"subnet": "10.0.0.1/32"})") == "invalid subnet \"10.0.0.1/32\": too small to allocate from");
  CHECK(range_error(R"({"subnet": "2001:db8::/127"})") == "invalid subnet \"2001:db8::/127\": too small to allocate from");
  CHECK(range_error(R"({"subnet": "2001:db8::/128"})") == "invalid subnet \"2001:db8::/128\": too small to allocate from");
  CHECK(range_error(R"({"subnet": "10.0.42.5/24"})") ==
        "invalid subnet \"10.0.42.5/24\": 10.0.42.5/24 has host bits set; did you mean 10.0.42.0/24?");
  CHECK(range_error(R"({"subnet": "2001:db8:0:1::9/64"})") ==
        "invalid subnet \"2001:db8:0:1::9/64\": 2001:db8:0:1::9/64 has host bits set; did you mean 2001:db8:0:1::/64?");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "rangeStart": "10.1.0.1"})") ==
        "invalid rangeStart \"10.1.0.1\": not in subnet 10.0.42.0/24");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "rangeEnd": "10.0.43.0"})") ==
        "invalid rangeEnd \"10.0.43.0\": not in subnet 10.0.42.0/24");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "gateway": "10.0.41.1"})") ==
        "invalid gateway \"10.0.41.1\": not in subnet 10.0.42.0/24");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "gateway": "2001:db8::1"})") ==
        "invalid gateway \"2001:db8::1\": not in subnet 10.0.42.0/24");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "rangeStart": "nope"})") ==
        "invalid rangeStart \"nope\": not an IP address");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "rangeEnd": 7})") == "invalid rangeEnd 7: must be a string");
  CHECK(range_error(R"({"subnet": "10.0.42.0/24", "rangeStart": "10.0.42.9", "rangeEnd": "10.0.42.8"})") ==
        "invalid rangeStart \"10.0.42.9\": after rangeEnd 10.0.42.8");
  CHECK(range_error(R"(["10.0.0.0/24"])") == "invalid range [\"10.0.0.0/24\"]: must be an object");
}

TEST_CASE("parse_range accepts the smallest subnets host-local accepts") {
  const Range r = parse_range(json::parse(R"({"subnet": "10.0.0.0/30"})"));
  CHECK(r.to_string() == "10.0.0.1-10.0.0.2");
  const Range v6 = parse_range(json::parse(R"({"subnet": "2001:db8::/126"})"));
  CHECK(v6.to_string() == "2001:db8::1-2001:db8::3");
}

TEST_CASE("validate_range_set: non-empty, one family, no overlaps") {
  using nexus::ipam::parse_range_set;
  CHECK(config_error([] { parse_range_set(json::array()); }) == "invalid range set []: empty range set");
  CHECK(config_error([] {
          parse_range_set(json::parse(R"([{"subnet": "10.0.0.0/24"}, {"subnet": "2001:db8::/64"}])"));
        }) == "invalid range set [10.0.0.1-10.0.0.254,2001:db8::1-2001:db8::ffff:ffff:ffff:ffff]: mixed address families");
  CHECK(config_error([] {
          parse_range_set(json::parse(R"([{"subnet": "10.0.0.0/16"}, {"subnet": "10.0.5.0/24"}])"));
        }) == "invalid range 10.0.5.1-10.0.5.254: overlaps range 10.0.0.1-10.0.255.254");
  CHECK(config_error([] { parse_range_set(json::parse(R"({"subnet": "10.0.0.0/16"})")); }) ==
        R"(invalid range set {"subnet":"10.0.0.0/16"}: must be an array of range objects)");
  const RangeSet ok = parse_range_set(json::parse(
      R"([{"subnet": "10.0.0.0/24", "rangeEnd": "10.0.0.100"}, {"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.101"}])"));
  CHECK(ok.size() == 2);
  CHECK(nexus::ipam::to_string(ok) == "10.0.0.1-10.0.0.100,10.0.0.101-10.0.0.254");
  CHECK(nexus::ipam::is_allocatable(ok, ip("10.0.0.150")));
  CHECK(!nexus::ipam::is_allocatable(ok, ip("10.0.0.1")));    // gateway of both ranges
  CHECK(!nexus::ipam::is_allocatable(ok, ip("10.0.1.150")));
  CHECK(nexus::ipam::find_range(ok, ip("10.0.0.150")) == &ok[1]);
}

TEST_CASE("validate_range_sets: no overlap across sets") {
  using nexus::ipam::parse_range_set;
  const std::vector<RangeSet> good{parse_range_set(json::parse(R"([{"subnet": "10.0.0.0/24"}])")),
                                   parse_range_set(json::parse(R"([{"subnet": "2001:db8::/64"}])"))};
  CHECK(config_error([&] { nexus::ipam::validate_range_sets(good); }) == "");
  const std::vector<RangeSet> bad{parse_range_set(json::parse(R"([{"subnet": "10.0.0.0/24"}])")),
                                  parse_range_set(json::parse(R"([{"subnet": "10.0.0.128/25"}])"))};
  CHECK(config_error([&] { nexus::ipam::validate_range_sets(bad); }) ==
        "invalid range 10.0.0.129-10.0.0.254 in range set 1: overlaps range 10.0.0.1-10.0.0.254 in range set 0");
  CHECK(config_error([] { nexus::ipam::validate_range_sets({}); }) == "invalid ranges []: no range set");
  CHECK(config_error([] { nexus::ipam::validate_range_sets({RangeSet{}}); }) == "invalid range set []: empty range set");
}
