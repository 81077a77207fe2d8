// nexus-bridge's VLAN keys (vlan, vlanTrunk, preserveDefaultVlan): parsing with every refusal and its code,
// the host port's VLAN entries they give, CHECK's comparison, and the names of the VLAN gateway interfaces.
#include "shared/bridge_conf/vlan_conf.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/conf_request.h"

using nexus::Code;
using nexus::bridge_plugin::BridgeConf;
using nexus::bridge_plugin::VlanConf;
using nexus::bridge_plugin::VlanRange;
using nexus::net::VlanEntry;
using namespace nexus::testutil;
using nlohmann::json;

namespace {

// Through BridgeConf::parse, as the plugin reads them (every verb).
BridgeConf parse(json config, const std::string& command = "ADD") {
  config["type"] = "nexus-bridge";
  return BridgeConf::parse(conf_request(std::move(config), command, ""));
}

void check_refused(const json& config, Code code, const std::string& words) {
  CAPTURE(config);
  const auto e = thrown_error([&] { parse(config); });
  REQUIRE_MESSAGE(e, "accepted, or refused with something other than nexus::Error");
  CHECK(e->code() == code);
  CHECK_MESSAGE(std::string(e->what()).find(words) != std::string::npos, std::string(e->what()));
}

json trunk(const char* text) { return {{"vlanTrunk", json::parse(text)}}; }

VlanEntry tagged(uint16_t first, uint16_t last) { return {.first = first, .last = last}; }
VlanEntry native(uint16_t vid) { return {.first = vid, .last = vid, .pvid = true, .untagged = true}; }

std::vector<VlanEntry> entries_of(const json& config) { return port_vlan_entries(parse(config).vlans); }

}  // namespace

TEST_SUITE("vlan_conf") {

TEST_CASE("vlan_conf: absent, null, 0 and [] mean no VLANs, in every verb") {
  for (const json& config : {json::object(), json{{"vlan", 0}, {"vlanTrunk", json::array()}},
                             json{{"vlan", nullptr}, {"vlanTrunk", nullptr}, {"preserveDefaultVlan", nullptr}}})
    for (const char* verb : {"ADD", "CHECK", "DEL"}) {
      CAPTURE(config);
      CAPTURE(verb);
      const VlanConf c = parse(config, verb).vlans;
      CHECK(c.vlan == 0u);
      CHECK(c.trunk.empty());
      CHECK_FALSE(c.preserve_default);
      CHECK_FALSE(c.enabled());
      CHECK(port_vlan_entries(c).empty());
    }
}

TEST_CASE("vlan_conf: vlan is an integer 0..4094: code 7 outside, naming the value; code 6 for other types") {
  CHECK(parse({{"vlan", 1}}).vlans.vlan == 1u);
  CHECK(parse({{"vlan", 4094}}).vlans.vlan == 4094u);
  CHECK(parse({{"vlan", 10}}).vlans.enabled());
  check_refused({{"vlan", 4095}}, Code::InvalidConfig, "invalid vlan 4095: VLAN ids are 0 to 4094");
  check_refused({{"vlan", -1}}, Code::InvalidConfig, "invalid vlan -1");
  check_refused({{"vlan", 18446744073709551615ull}}, Code::InvalidConfig, "invalid vlan 18446744073709551615");
  check_refused({{"vlan", "10"}}, Code::DecodeFailure, "field \"vlan\" must be an integer, got \"10\"");
  check_refused({{"vlan", 10.5}}, Code::DecodeFailure, "field \"vlan\" must be an integer");
  check_refused({{"vlan", true}}, Code::DecodeFailure, "field \"vlan\" must be an integer");
}

TEST_CASE("vlan_conf: preserveDefaultVlan is a boolean, default false") {
  CHECK(parse({{"vlan", 10}, {"preserveDefaultVlan", true}}).vlans.preserve_default);
  CHECK_FALSE(parse({{"vlan", 10}}).vlans.preserve_default);
  check_refused({{"preserveDefaultVlan", "true"}}, Code::DecodeFailure, "field \"preserveDefaultVlan\" must be a boolean");
}

TEST_CASE("vlan_conf: vlanTrunk ids and ranges become sorted ranges, touching ones merged") {
  CHECK(parse(trunk(R"([{"id":20},{"id":10}])")).vlans.trunk == std::vector<VlanRange>{{10, 10}, {20, 20}});
  CHECK(parse(trunk(R"([{"minID":100,"maxID":4094}])")).vlans.trunk == std::vector<VlanRange>{{100, 4094}});
  CHECK(parse(trunk(R"([{"minID":1,"maxID":1}])")).vlans.trunk == std::vector<VlanRange>{{1, 1}});
  CHECK(parse(trunk(R"([{"id":21},{"minID":10,"maxID":20},{"id":5}])")).vlans.trunk ==
        std::vector<VlanRange>{{5, 5}, {10, 21}});
  // As the reference, one entry may hold both an id and a range.
  CHECK(parse(trunk(R"([{"id":5,"minID":10,"maxID":12}])")).vlans.trunk == std::vector<VlanRange>{{5, 5}, {10, 12}});
  CHECK(parse(trunk(R"([{"id":10}])")).vlans.enabled());
}

TEST_CASE("vlan_conf: invalid vlanTrunk values are code 7 with a clear message") {
  check_refused(trunk(R"([{"id":0}])"), Code::InvalidConfig, "invalid vlanTrunk[0].id 0: VLAN ids are 1 to 4094");
  check_refused(trunk(R"([{"id":4095}])"), Code::InvalidConfig, "invalid vlanTrunk[0].id 4095");
  check_refused(trunk(R"([{"id":5},{"minID":0,"maxID":10}])"), Code::InvalidConfig, "invalid vlanTrunk[1].minID 0");
  check_refused(trunk(R"([{"minID":10,"maxID":5000}])"), Code::InvalidConfig, "invalid vlanTrunk[0].maxID 5000");
  check_refused(trunk(R"([{"minID":10}])"), Code::InvalidConfig, "vlanTrunk[0]: minID and maxID go together, maxID is missing");
  check_refused(trunk(R"([{"maxID":10}])"), Code::InvalidConfig, "minID is missing");
  check_refused(trunk(R"([{"minID":20,"maxID":10}])"), Code::InvalidConfig,
                "vlanTrunk[0]: minID 20 is greater than maxID 10");
  check_refused(trunk(R"([{}])"), Code::InvalidConfig, "vlanTrunk[0] has neither id nor minID and maxID");
}

TEST_CASE("vlan_conf: overlapping or repeated vlanTrunk entries are code 7 (the reference merges them silently)") {
  check_refused(trunk(R"([{"id":10},{"id":10}])"), Code::InvalidConfig, "vlanTrunk entries overlap: 10 and 10");
  check_refused(trunk(R"([{"minID":10,"maxID":20},{"id":15}])"), Code::InvalidConfig,
                "vlanTrunk entries overlap: 10-20 and 15");
  check_refused(trunk(R"([{"minID":15,"maxID":30},{"minID":10,"maxID":20}])"), Code::InvalidConfig,
                "vlanTrunk entries overlap: 10-20 and 15-30");
  check_refused(trunk(R"([{"id":20,"minID":10,"maxID":20}])"), Code::InvalidConfig, "overlap: 10-20 and 20");
}

TEST_CASE("vlan_conf: wrong vlanTrunk types are code 6") {
  check_refused(trunk(R"({"id":10})"), Code::DecodeFailure, "field \"vlanTrunk\" must be a list of objects");
  check_refused(trunk(R"([10])"), Code::DecodeFailure, "field \"vlanTrunk\" must be a list of objects");
  check_refused(trunk(R"([{"id":"10"}])"), Code::DecodeFailure, "field \"vlanTrunk[0].id\" must be an integer");
  check_refused(trunk(R"([{"minID":1.5,"maxID":3}])"), Code::DecodeFailure, "field \"vlanTrunk[0].minID\"");
}

TEST_CASE("vlan_conf: port entries: access VLAN, trunk with native VLAN 1, trunk with its own native VLAN") {
  // Access port: its VLAN as pvid, untagged; nothing else.
  CHECK(entries_of({{"vlan", 10}}) == std::vector<VlanEntry>{native(10)});
  // Trunk without vlan: the reference's native VLAN 1, then the trunk's VLANs tagged (a range stays one entry).
  CHECK(entries_of(trunk(R"([{"id":10},{"id":20}])")) ==
        std::vector<VlanEntry>{native(1), tagged(10, 10), tagged(20, 20)});
  CHECK(entries_of(trunk(R"([{"minID":100,"maxID":4094}])")) == std::vector<VlanEntry>{native(1), tagged(100, 4094)});
  // Trunk with vlan: that VLAN is the native one.
  json both = trunk(R"([{"id":20},{"id":30}])");
  both["vlan"] = 10;
  CHECK(entries_of(both) == std::vector<VlanEntry>{native(10), tagged(20, 20), tagged(30, 30)});
  // The native VLAN inside the trunk's list stays untagged: the range is split around it.
  json inside = trunk(R"([{"minID":5,"maxID":15}])");
  inside["vlan"] = 10;
  CHECK(entries_of(inside) == std::vector<VlanEntry>{native(10), tagged(5, 9), tagged(11, 15)});
  CHECK(entries_of(trunk(R"([{"minID":1,"maxID":3}])")) == std::vector<VlanEntry>{native(1), tagged(2, 3)});
  json at_end = trunk(R"([{"minID":5,"maxID":10}])");
  at_end["vlan"] = 10;
  CHECK(entries_of(at_end) == std::vector<VlanEntry>{native(10), tagged(5, 9)});
  // preserveDefaultVlan does not change the entries added (it keeps the bridge's default one).
  CHECK(entries_of({{"vlan", 10}, {"preserveDefaultVlan", true}}) == std::vector<VlanEntry>{native(10)});
}

TEST_CASE("vlan_conf: missing_port_vlan names the first wanted VLAN absent or with the wrong flags") {
  using nexus::bridge_plugin::missing_port_vlan;
  const std::vector<VlanEntry> want = {native(10), tagged(20, 22)};
  CHECK(missing_port_vlan(want, {native(10), tagged(20, 22)}).empty());
  CHECK(missing_port_vlan(want, {native(10), tagged(20, 20), tagged(21, 22), native(1)}).empty());  // extras: fine
  CHECK(missing_port_vlan(want, {tagged(20, 22)}) == "VLAN 10 is missing");
  CHECK(missing_port_vlan(want, {native(10), tagged(20, 21)}) == "VLAN 22 is missing");
  CHECK(missing_port_vlan(want, {tagged(10, 10), tagged(20, 22)}) == "VLAN 10 is not untagged");
  CHECK(missing_port_vlan(want, {{.first = 10, .last = 10, .untagged = true}, tagged(20, 22)}) ==
        "VLAN 10 is not the port's pvid");
  CHECK(missing_port_vlan(want, {native(10), {.first = 20, .last = 22, .untagged = true}}) == "VLAN 20 is untagged");
}

TEST_CASE("vlan_conf: isGateway with vlan: gateway on <bridge>.<vlan>, which must fit an interface name") {
  const BridgeConf c = parse({{"bridge", "br-test"}, {"vlan", 10}, {"isGateway", true}, {"ipam", {{"type", "x"}}}});
  CHECK(gateway_link_name(c) == "br-test.10");
  CHECK(nexus::bridge_plugin::masquerade_target(c, conf_request(json{{"type", "nexus-bridge"}}, "ADD", "")).bridge ==
        "br-test.10");  // ipMasq matches the interface the containers' traffic comes in by
  const BridgeConf plain = parse({{"bridge", "br-test"}, {"vlan", 10}});
  CHECK(gateway_link_name(plain) == "br-test");
  const std::string port = nexus::bridge_plugin::vlan_gateway_port_name("br-test", 10);
  CHECK(port.starts_with("nexv-"));
  CHECK(port.size() == 15u);
  CHECK(port == nexus::bridge_plugin::vlan_gateway_port_name("br-test", 10));
  CHECK(port != nexus::bridge_plugin::vlan_gateway_port_name("br-test", 11));
  // 12 + "." + 4 = 17 characters: no room.
  check_refused({{"bridge", "a-long-bridge"}, {"vlan", 4000}, {"isGateway", true}, {"ipam", {{"type", "x"}}}},
                Code::InvalidConfig, "the gateway interface \"a-long-bridge.4000\" would be longer than 15 characters");
  CHECK_NOTHROW(parse({{"bridge", "a-long-bridge"}, {"vlan", 4000}}));  // no gateway interface: fine
}

}  // TEST_SUITE
