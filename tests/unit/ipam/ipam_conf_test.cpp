// nexus-ipam's configuration parser: its defaults, every key it accepts, and every refusal with its code.
// Addresses are compared as text (to_string()), so these cases do not depend on how the address types are spelt.
#include "shared/ipam_plugin/ipam_conf.h"

#include <doctest/doctest.h>

#include <fstream>

#include "shared/base/error.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/conf_request.h"
#include "tests/testutil/temp_dir.h"

using nexus::Code;
using nexus::ipam_plugin::IpamConf;
using namespace nexus::testutil;
using nlohmann::json;

namespace {

IpamConf parse(const json& ipam, const std::string& cni_args = "", IpamConf::Use use = IpamConf::Use::Allocate,
               json extra = json::object()) {
  extra["type"] = "nexus-bridge";
  extra["ipam"] = ipam;
  return IpamConf::parse(conf_request(std::move(extra), "ADD", cni_args), use);
}

// Checks that the ipam object `ipam` (with `cni_args`, `extra` top-level keys) is refused with `code` and a
// message containing `words`.
void check_refused(const json& ipam, Code code, const std::string& words, const std::string& cni_args = "",
                   const json& extra = json::object()) {
  CAPTURE(ipam);
  const auto e = thrown_error([&] { parse(ipam, cni_args, IpamConf::Use::Allocate, extra); });
  REQUIRE_MESSAGE(e, "accepted, or refused with something other than nexus::Error");
  CHECK(e->code() == code);
  CHECK_MESSAGE(std::string(e->what()).find(words) != std::string::npos, std::string(e->what()));
}

// "subnet start-end gw" of each range, one set per string.
std::vector<std::string> ranges_text(const IpamConf& c) {
  std::vector<std::string> out;
  for (const auto& set : c.range_sets) {
    std::string text;
    for (const auto& r : set)
      text += (text.empty() ? "" : ",") + r.subnet.to_string() + " " + r.to_string() + " " +
              (r.gateway ? r.gateway->to_string() : "-");
    out.push_back(text);
  }
  return out;
}

std::vector<std::string> requested_text(const IpamConf& c) {
  std::vector<std::string> out;
  for (const auto& a : c.requested) out.push_back(a.to_string());
  return out;
}

std::vector<std::string> routes_text(const IpamConf& c) {
  std::vector<std::string> out;
  for (const auto& r : c.routes) out.push_back(r.dst.to_string() + (r.gw ? " via " + r.gw->to_string() : ""));
  return out;
}

const json kRange = {{"subnet", "10.9.0.0/24"}};

}  // namespace

TEST_SUITE("ipam_conf") {

TEST_CASE("ipam_conf: only a type: the default network, its default route, the default store") {
  const IpamConf c = parse({{"type", "nexus-ipam"}});
  CHECK(ranges_text(c) == std::vector<std::string>{"10.0.42.0/24 10.0.42.1-10.0.42.254 10.0.42.1"});
  CHECK(routes_text(c) == std::vector<std::string>{"0.0.0.0/0"});
  CHECK(c.data_dir == "/var/lib/cni/networks");
  CHECK(c.dns.empty());
  CHECK(c.requested.empty());
}

TEST_CASE("ipam_conf: ranges, with host-local's defaults; the legacy single range comes first") {
  const IpamConf c = parse({{"type", "nexus-ipam"},
                            {"subnet", "10.1.0.0/24"},
                            {"rangeStart", "10.1.0.10"},
                            {"rangeEnd", "10.1.0.20"},
                            {"gateway", "10.1.0.254"},
                            {"ranges", {{{{"subnet", "fd00::/120"}}}, {kRange, {{"subnet", "10.9.1.0/24"}}}}}});
  CHECK(ranges_text(c) == std::vector<std::string>{"10.1.0.0/24 10.1.0.10-10.1.0.20 10.1.0.254",
                                                   "fd00::/120 fd00::1-fd00::ff fd00::1",
                                                   "10.9.0.0/24 10.9.0.1-10.9.0.254 10.9.0.1,"
                                                   "10.9.1.0/24 10.9.1.1-10.9.1.254 10.9.1.1"});
  // Ranges given and no routes: no route (the default route is the default network's only).
  CHECK(c.routes.empty());
}

TEST_CASE("ipam_conf: runtimeConfig.ipRanges come first, then the legacy range, then ranges (as host-local)") {
  const json runtime = {{"runtimeConfig", {{"ipRanges", {{{{"subnet", "10.7.0.0/24"}}}}}}}};
  const IpamConf c = parse({{"type", "nexus-ipam"}, {"ranges", {{kRange}}}}, "", IpamConf::Use::Allocate, runtime);
  CHECK(ranges_text(c) == std::vector<std::string>{"10.7.0.0/24 10.7.0.1-10.7.0.254 10.7.0.1",
                                                   "10.9.0.0/24 10.9.0.1-10.9.0.254 10.9.0.1"});
  const IpamConf legacy = parse({{"type", "nexus-ipam"}, {"subnet", "10.1.0.0/24"}, {"ranges", {{kRange}}}}, "",
                                IpamConf::Use::Allocate, runtime);
  CHECK(ranges_text(legacy) == std::vector<std::string>{"10.7.0.0/24 10.7.0.1-10.7.0.254 10.7.0.1",
                                                        "10.1.0.0/24 10.1.0.1-10.1.0.254 10.1.0.1",
                                                        "10.9.0.0/24 10.9.0.1-10.9.0.254 10.9.0.1"});
  // Release (DEL, GC) sees the same sets, so it frees what ADD took from the runtime's ranges too.
  CHECK(ranges_text(parse({{"type", "nexus-ipam"}, {"ranges", {{kRange}}}}, "", IpamConf::Use::Release, runtime)) ==
        ranges_text(c));
  // Only a type and the runtime's ranges: those, without the default network.
  CHECK(ranges_text(parse({{"type", "nexus-ipam"}}, "", IpamConf::Use::Allocate, runtime)) ==
        std::vector<std::string>{"10.7.0.0/24 10.7.0.1-10.7.0.254 10.7.0.1"});
  // An empty list adds nothing.
  CHECK(ranges_text(parse({{"type", "nexus-ipam"}, {"ranges", {{kRange}}}}, "", IpamConf::Use::Allocate,
                          {{"runtimeConfig", {{"ipRanges", json::array()}}}})) ==
        std::vector<std::string>{"10.9.0.0/24 10.9.0.1-10.9.0.254 10.9.0.1"});
  // A runtime range overlapping a configured one is refused (host-local: "range set 0 overlaps with 1").
  check_refused({{"type", "nexus-ipam"}, {"ranges", {{kRange}}}}, Code::InvalidConfig, "overlap", "",
                {{"runtimeConfig", {{"ipRanges", {{{{"subnet", "10.9.0.128/25"}}}}}}}});
}

TEST_CASE("ipam_conf: routes, dst masked to its network, gw optional") {
  const IpamConf c = parse({{"type", "nexus-ipam"},
                            {"ranges", {{kRange}}},
                            {"routes", {{{"dst", "0.0.0.0/0"}}, {{"dst", "10.8.3.4/16"}, {"gw", "10.9.0.1"}}}}});
  CHECK(routes_text(c) == std::vector<std::string>{"0.0.0.0/0", "10.8.0.0/16 via 10.9.0.1"});
}

TEST_CASE("ipam_conf: route fields of spec 1.1.0 pass through; mtu/advmss/priority 0 is unset, table/scope 0 kept") {
  const json all = {{"dst", "10.8.0.0/16"}, {"mtu", 1400}, {"advmss", 1360}, {"priority", 50}, {"table", 100},
                    {"scope", 253}};
  const json zeros = {{"dst", "10.9.0.0/16"}, {"mtu", 0}, {"advmss", 0}, {"priority", 0}, {"table", 0}, {"scope", 0}};
  const json limits = {{"dst", "fd00:8::/64"}, {"priority", 4294967295u}, {"table", 4294967295u}, {"scope", 255}};
  const IpamConf c = parse({{"type", "nexus-ipam"}, {"ranges", {{kRange}}},
                            {"routes", {all, zeros, limits, {{"dst", "0.0.0.0/0"}}}}});
  REQUIRE(c.routes.size() == 4);
  const auto& r = c.routes[0];
  CHECK(r.mtu == 1400u);
  CHECK(r.advmss == 1360u);
  CHECK(r.priority == 50u);
  CHECK(r.table == 100u);
  CHECK(r.scope == 253u);
  const auto& z = c.routes[1];
  CHECK_FALSE(z.mtu);
  CHECK_FALSE(z.advmss);
  CHECK_FALSE(z.priority);
  CHECK(z.table == 0u);
  CHECK(z.scope == 0u);
  CHECK(c.routes[2].priority == 4294967295u);
  CHECK(c.routes[2].table == 4294967295u);
  CHECK(c.routes[2].scope == 255u);
  const auto& plain = c.routes[3];  // none given: none set, so nothing is applied or returned
  CHECK_FALSE((plain.mtu || plain.advmss || plain.priority || plain.table || plain.scope));
}

TEST_CASE("ipam_conf: dataDir") {
  CHECK(parse({{"type", "nexus-ipam"}, {"dataDir", "/srv/leases"}}).data_dir == "/srv/leases");
  CHECK(parse({{"type", "nexus-ipam"}, {"dataDir", ""}}).data_dir == "/var/lib/cni/networks");
  check_refused({{"type", "nexus-ipam"}, {"dataDir", "leases"}}, Code::InvalidConfig,
                "invalid ipam.dataDir \"leases\": must be an absolute path without ..");
  check_refused({{"type", "nexus-ipam"}, {"dataDir", "/srv/../etc"}}, Code::InvalidConfig,
                "invalid ipam.dataDir \"/srv/../etc\"");
}

TEST_CASE("ipam_conf: dns from resolvConf, overridden field by field by ipam.dns") {
  nexus::testutil::TempDir dir;
  const std::string path = dir.path() + "/resolv.conf";
  std::ofstream(path) << "# comment\nnameserver 10.0.0.1\nnameserver 10.0.0.2\ndomain example.org\n"
                         "search a.example b.example\noptions ndots:2\noptions rotate\n";
  const IpamConf from_file = parse({{"type", "nexus-ipam"}, {"resolvConf", path}});
  CHECK(from_file.dns.nameservers == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(from_file.dns.domain == "example.org");
  CHECK(from_file.dns.search == std::vector<std::string>{"a.example", "b.example"});
  CHECK(from_file.dns.options == std::vector<std::string>{"ndots:2", "rotate"});
  const IpamConf both =
      parse({{"type", "nexus-ipam"},
             {"resolvConf", path},
             {"dns", {{"nameservers", {"10.0.0.9"}}, {"domain", "x.test"}}}});
  CHECK(both.dns.nameservers == std::vector<std::string>{"10.0.0.9"});
  CHECK(both.dns.domain == "x.test");
  CHECK(both.dns.search == std::vector<std::string>{"a.example", "b.example"});
  CHECK(both.dns.options == std::vector<std::string>{"ndots:2", "rotate"});
  check_refused({{"type", "nexus-ipam"}, {"resolvConf", dir.path() + "/missing"}}, Code::InvalidConfig,
                "invalid ipam.resolvConf \"" + dir.path() + "/missing\": cannot be read");
}

TEST_CASE("ipam_conf: static addresses from CNI_ARGS IP, args.cni.ips and runtimeConfig.ips, once each") {
  const json ipam = {{"type", "nexus-ipam"}, {"ranges", {{kRange}, {{{"subnet", "fd00::/120"}}}}}};
  CHECK(requested_text(parse(ipam, "IP=10.9.0.7,fd00::7")) == std::vector<std::string>{"10.9.0.7", "fd00::7"});
  CHECK(requested_text(parse(ipam, "", IpamConf::Use::Allocate, {{"args", {{"cni", {{"ips", {"10.9.0.8"}}}}}}})) ==
        std::vector<std::string>{"10.9.0.8"});
  // The launcher sends one address twice, as CNI_ARGS IP and as the "ips" capability (with its prefix).
  CHECK(requested_text(parse(ipam, "IP=10.9.0.9", IpamConf::Use::Allocate,
                             {{"runtimeConfig", {{"ips", {"10.9.0.9/24"}}}}})) == std::vector<std::string>{"10.9.0.9"});
}

TEST_CASE("ipam_conf: a static address must be an allocatable one of a range, one per set (code 7)") {
  const json ipam = {{"type", "nexus-ipam"}, {"ranges", {{kRange}}}};
  check_refused(ipam, Code::InvalidConfig, "invalid CNI_ARGS IP \"10.9.0.x\": not an IP address", "IP=10.9.0.x");
  check_refused(ipam, Code::InvalidConfig, "invalid runtimeConfig.ips \"nonsense\"", "",
                {{"runtimeConfig", {{"ips", {"nonsense"}}}}});
  check_refused(ipam, Code::InvalidConfig, "requested IP 10.8.0.7 is not in any configured range", "IP=10.8.0.7");
  check_refused(ipam, Code::InvalidConfig, "requested IP 10.9.0.1 cannot be allocated", "IP=10.9.0.1");  // gateway
  // The broadcast address is past the default rangeEnd.
  check_refused(ipam, Code::InvalidConfig, "requested IP 10.9.0.255 is not in any configured range", "IP=10.9.0.255");
  check_refused(ipam, Code::InvalidConfig, "more than one requested IP for range set", "IP=10.9.0.7,10.9.0.8");
}

TEST_CASE("ipam_conf: Release (DEL, GC) parses no dns and no static addresses, so neither can stop it") {
  const IpamConf c = parse({{"type", "nexus-ipam"}, {"resolvConf", "/nonexistent/resolv.conf"}}, "IP=192.0.2.1",
                           IpamConf::Use::Release);
  CHECK(c.dns.empty());
  CHECK(c.requested.empty());
  CHECK(ranges_text(c).size() == 1);
}

TEST_CASE("ipam_conf: refusals of the ipam object itself") {
  const auto missing = thrown_error([] { IpamConf::parse(conf_request({{"type", "nexus-bridge"}})); });
  REQUIRE(missing);
  CHECK(missing->code() == Code::InvalidConfig);
  CHECK(std::string(missing->what()).find("missing \"ipam\"") != std::string::npos);
  check_refused({{"type", "host-local"}}, Code::InvalidConfig, "missing ipam.ranges");
  check_refused(json::object(), Code::InvalidConfig, "missing ipam.ranges");
  check_refused({{"type", "nexus-ipam"}, {"ranges", json::array()}}, Code::InvalidConfig,
                "invalid ipam.ranges []: at least one range set is required");
  // Range rules are shared/ipam's (range_test.cpp); here only that they apply to the configured sets.
  check_refused({{"type", "nexus-ipam"}, {"ranges", {{kRange}, {kRange}}}}, Code::InvalidConfig, "overlaps");
}

TEST_CASE("ipam_conf: refusals of routes") {
  const json base = {{"type", "nexus-ipam"}, {"ranges", {{kRange}}}};
  auto with_routes = [&](json routes) {
    json ipam = base;
    ipam["routes"] = std::move(routes);
    return ipam;
  };
  check_refused(with_routes({"0.0.0.0/0"}), Code::DecodeFailure, "ipam.routes entries must be objects");
  check_refused(with_routes({{{"dst", "10.0.0.0"}}}), Code::InvalidConfig,
                "invalid route dst \"10.0.0.0\": not a CIDR");
  check_refused(with_routes({{{"gw", "10.9.0.1"}}}), Code::InvalidConfig, "missing required field \"dst\"");
  check_refused(with_routes({{{"dst", "fd00::/64"}, {"gw", "10.9.0.1"}}}), Code::InvalidConfig,
                "invalid route gw \"10.9.0.1\" for dst fd00::/64");
  check_refused(with_routes({{{"dst", "10.0.0.0/8"}, {"gw", "nonsense"}}}), Code::InvalidConfig,
                "invalid route gw \"nonsense\"");
}

TEST_CASE("ipam_conf: refusals of route fields: wrong type 6, negative or out of range 7") {
  const auto route_with = [](const char* key, json value) {
    return json{{"type", "nexus-ipam"}, {"ranges", {{kRange}}}, {"routes", {{{"dst", "10.8.0.0/16"}, {key, value}}}}};
  };
  for (const char* key : {"mtu", "advmss", "priority", "table", "scope"}) {
    CAPTURE(key);
    check_refused(route_with(key, "1"), Code::DecodeFailure, std::string("route field \"") + key + "\" must be an integer");
    check_refused(route_with(key, 1.5), Code::DecodeFailure, "must be an integer, got 1.5");
    check_refused(route_with(key, true), Code::DecodeFailure, "must be an integer");
    check_refused(route_with(key, -1), Code::InvalidConfig, std::string("invalid route ") + key + " -1 for dst 10.8.0.0/16");
    check_refused(route_with(key, 4294967296u), Code::InvalidConfig, "4294967296");
  }
  check_refused(route_with("scope", 256), Code::InvalidConfig, "invalid route scope 256 for dst 10.8.0.0/16: must be 0..255");
  const json link_via_gw = {{"type", "nexus-ipam"}, {"ranges", {{kRange}}},
                            {"routes", {{{"dst", "10.8.0.0/16"}, {"gw", "10.9.0.1"}, {"scope", 253}}}}};
  check_refused(link_via_gw, Code::InvalidConfig, "scope 253 (link or host) cannot have gw 10.9.0.1");
}

TEST_CASE("ipam_conf: CNI_ARGS keys other than IP and MAC are code 4 unless IgnoreUnknown") {
  check_refused({{"type", "nexus-ipam"}}, Code::InvalidEnv, "unknown CNI_ARGS key \"FOO\"", "FOO=1");
  CHECK_NOTHROW(parse({{"type", "nexus-ipam"}}, "MAC=02:00:00:00:00:01;FOO=1;IgnoreUnknown=1"));
}

}  // TEST_SUITE
