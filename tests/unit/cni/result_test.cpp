#include "shared/cni/result.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"
#include "shared/cni/version.h"

using namespace nexus::cni;
using nexus::Code;
using nexus::Error;
using nlohmann::json;

namespace {
nexus::IpPrefix prefix(const char* text) { return *nexus::IpPrefix::parse(text); }
nexus::IpAddress address(const char* text) { return *nexus::IpAddress::parse(text); }

Result sample() {
  Result r;
  r.interfaces = {{"nexus0", "02:00:00:00:00:01", std::nullopt, "", "", ""},
                  {"eth0", "0a:58:0a:00:2a:02", 1500u, "/run/netns/c1", "", ""}};
  r.ips = {{prefix("10.0.42.2/24"), address("10.0.42.1"), 1u}, {prefix("fd00::2/64"), address("fd00::1"), 1u}};
  r.routes = {{prefix("0.0.0.0/0"), address("10.0.42.1"), 1400u, std::nullopt, 10u, std::nullopt, std::nullopt}};
  r.dns.nameservers = {"10.0.42.1"};
  return r;
}
}  // namespace

TEST_CASE("results: 0.3.x and 0.4.0 carry ips[].version, 1.x do not") {
  for (const auto v : kSupportedVersions) {
    const json j = encode_result(sample(), std::string(v));
    CHECK(j["cniVersion"] == v);
    const bool legacy = v.starts_with("0.");
    CHECK(j["ips"][0].contains("version") == legacy);
    if (legacy) CHECK(j["ips"][1]["version"] == "6");
    CHECK(j["ips"][0]["interface"] == 1);
    CHECK(j["dns"]["nameservers"] == json{"10.0.42.1"});
  }
}

TEST_CASE("results: route and interface extras only from 1.1.0") {
  CHECK_FALSE(encode_result(sample(), "1.0.0")["routes"][0].contains("mtu"));
  CHECK_FALSE(encode_result(sample(), "1.0.0")["interfaces"][1].contains("mtu"));
  const json j = encode_result(sample(), "1.1.0");
  CHECK(j["routes"][0]["mtu"] == 1400);
  CHECK(j["routes"][0]["priority"] == 10);
  CHECK(j["interfaces"][1]["mtu"] == 1500);
}

TEST_CASE("results: every route field of 1.1.0 (0 included) is kept by 1.1.0 and dropped by older versions") {
  Result r = sample();
  r.routes = {{prefix("10.8.0.0/16"), address("10.0.42.1"), 1400u, 1360u, 50u, 100u, 253u},
              {prefix("10.9.0.0/16"), std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0u, 0u}};
  const json j = encode_result(r, "1.1.0");
  CHECK(j["routes"][0] == json{{"dst", "10.8.0.0/16"}, {"gw", "10.0.42.1"}, {"mtu", 1400}, {"advmss", 1360},
                               {"priority", 50}, {"table", 100}, {"scope", 253}});
  CHECK(j["routes"][1] == json{{"dst", "10.9.0.0/16"}, {"table", 0}, {"scope", 0}});
  CHECK(parse_result(j, "1.1.0").routes == r.routes);
  for (const auto v : kSupportedVersions) {
    const std::string version(v);
    if (version == "1.1.0") continue;
    CAPTURE(version);
    const json old = encode_result(r, version);
    CHECK(old["routes"][0] == json{{"dst", "10.8.0.0/16"}, {"gw", "10.0.42.1"}});
    CHECK(old["routes"][1] == json{{"dst", "10.9.0.0/16"}});
  }
}

TEST_CASE("results: round trip through every version keeps what that version can say") {
  for (const auto v : kSupportedVersions) {
    const std::string version(v);
    const Result back = parse_result(encode_result(sample(), version), version);
    CHECK(back.ips == sample().ips);
    CHECK(back.interfaces.size() == 2);
    CHECK(back.dns == sample().dns);
  }
  CHECK(parse_result(encode_result(sample(), "1.1.0"), "1.1.0") == sample());
}

TEST_CASE("results: a prevResult in an unsupported version or malformed is refused") {
  try {
    parse_result(json::object(), "0.2.0");
    FAIL("accepted 0.2.0");
  } catch (const Error& e) {
    CHECK(e.code() == Code::IncompatibleVersion);
  }
  CHECK_THROWS_AS(parse_result(json{{"ips", "x"}}, "1.0.0"), Error);
  CHECK_THROWS_AS(parse_result(json{{"ips", {{{"address", "10.0.0.2/24"}, {"interface", 3}}}}}, "1.0.0"), Error);
  CHECK_THROWS_AS(parse_result(json{{"ips", {{{"gateway", "10.0.0.1"}}}}}, "1.0.0"), Error);
}

TEST_CASE("versions: comparison and support") {
  CHECK(compare_versions("0.3.1", "0.4.0") < 0);
  CHECK(compare_versions("1.1.0", "1.0.0") > 0);
  CHECK(compare_versions("1.0.0", "1.0.0") == 0);
  CHECK(compare_versions("0.10.0", "0.9.0") > 0);
  CHECK_THROWS_AS(compare_versions("1.0", "1.0.0"), Error);
  CHECK_THROWS_AS(compare_versions("1.0.0x", "1.0.0"), Error);
  CHECK(is_supported_version("0.3.0"));
  CHECK_FALSE(is_supported_version("0.2.0"));
}

TEST_CASE("results: a version's parse keeps exactly what its encoding keeps (found by fuzz/result)") {
  for (const auto v : kSupportedVersions) {
    const std::string version(v);
    const Result r = parse_result(encode_result(sample(), "1.1.0"), version);
    CHECK(parse_result(encode_result(r, version), version) == r);
    CHECK(r.interfaces[1].mtu.has_value() == (version == "1.1.0"));
    CHECK(r.routes[0].priority.has_value() == (version == "1.1.0"));
  }
}

TEST_CASE("results: a malformed address, gateway, route dst or gw is code 6 naming the field and value") {
  const auto code_of = [](const json& result) {
    try {
      parse_result(result, "1.0.0");
    } catch (const Error& e) {
      return std::pair{e.code(), std::string(e.what())};
    }
    return std::pair{Code::Unknown, std::string("accepted")};
  };
  const json ok_ip = {{"address", "10.0.0.2/24"}};
  for (const char* bad : {"banana", "10.0.0.2", "10.0.0.2/33", "fd00::2/129", "::ffff:10.0.0.2/120"})
    CHECK(code_of(json{{"ips", {{{"address", bad}}}}}) ==
          std::pair{Code::DecodeFailure, "field \"address\" must be a CIDR, got \"" + std::string(bad) + "\""});
  CHECK(code_of(json{{"ips", {{{"address", "10.0.0.2/24"}, {"gateway", "10.0.0.1/24"}}}}}) ==
        std::pair{Code::DecodeFailure, std::string("field \"gateway\" must be an IP address, got \"10.0.0.1/24\"")});
  CHECK(code_of(json{{"ips", {ok_ip}}, {"routes", {{{"dst", "x"}}}}}) ==
        std::pair{Code::DecodeFailure, std::string("field \"dst\" must be a CIDR, got \"x\"")});
  CHECK(code_of(json{{"ips", {ok_ip}}, {"routes", {{{"dst", "0.0.0.0/0"}, {"gw", "10.0.0.256"}}}}}) ==
        std::pair{Code::DecodeFailure, std::string("field \"gw\" must be an IP address, got \"10.0.0.256\"")});
}

TEST_CASE("results: addresses print as written in Go's text form; an empty gateway is none") {
  const json in = json::parse(R"({"cniVersion":"1.0.0",
      "ips":[{"address":"10.0.42.7/24","gateway":""},{"address":"FD00:0:0:0::7/64","gateway":"fd00::1"}],
      "routes":[{"dst":"10.1.0.0/16","gw":""},{"dst":"::/0","gw":"fd00::1"}]})");
  const Result r = parse_result(in, "1.0.0");
  CHECK_FALSE(r.ips[0].gateway);
  CHECK(r.ips[0].address.to_string() == "10.0.42.7/24");  // host bits kept
  CHECK_FALSE(r.ips[1].address.is_v4());
  CHECK_FALSE(r.routes[0].gw);
  CHECK(encode_result(r, "0.4.0").dump() ==
        R"({"cniVersion":"0.4.0","dns":{},"ips":[{"address":"10.0.42.7/24","version":"4"},)"
        R"({"address":"fd00::7/64","gateway":"fd00::1","version":"6"}],)"
        R"("routes":[{"dst":"10.1.0.0/16"},{"dst":"::/0","gw":"fd00::1"}]})");
}
