// nexus-bridge's configuration parser: its defaults, every key it accepts, and every refusal with its code.
#include "shared/bridge_conf/bridge_conf.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/conf_request.h"

using nexus::Code;
using nexus::bridge_plugin::BridgeConf;
using namespace nexus::testutil;
using nlohmann::json;

namespace {

const json kIpam = {{"type", "nexus-ipam"}};

BridgeConf parse(json config, const std::string& command = "ADD", const std::string& cni_args = "") {
  config["type"] = "nexus-bridge";
  return BridgeConf::parse(conf_request(std::move(config), command, cni_args));
}

// Checks that `config` is refused with `code` and a message containing `words`.
void check_refused(json config, Code code, const std::string& words, const std::string& command = "ADD",
                   const std::string& cni_args = "") {
  CAPTURE(config);
  const auto e = thrown_error([&] { parse(config, command, cni_args); });
  REQUIRE_MESSAGE(e, "accepted, or refused with something other than nexus::Error");
  CHECK(e->code() == code);
  CHECK_MESSAGE(std::string(e->what()).find(words) != std::string::npos, std::string(e->what()));
}

}  // namespace

TEST_SUITE("bridge_conf") {

TEST_CASE("bridge_conf: defaults of a configuration with only a type") {
  const BridgeConf c = parse(json::object());
  CHECK(c.bridge == "nexus0");
  CHECK_FALSE(c.is_gateway);
  CHECK_FALSE(c.is_default_gateway);
  CHECK_FALSE(c.force_address);
  CHECK_FALSE(c.ip_masq);
  CHECK_FALSE(c.hairpin_mode);
  CHECK_FALSE(c.promisc_mode);
  CHECK_FALSE(c.enable_dad);
  CHECK_FALSE(c.port_isolation);
  CHECK_FALSE(c.disable_container_interface);
  CHECK_FALSE(c.mtu);  // cmd_add then takes the default-route interface's
  CHECK_FALSE(c.mac);
  CHECK_FALSE(c.runtime_dns);
  CHECK(c.net.ipam_type.empty());
  CHECK(c.net.name == "testnet");
  // An empty bridge name means the default, as in the reference plugin.
  CHECK(parse({{"bridge", ""}}).bridge == "nexus0");
}

TEST_CASE("bridge_conf: every key of the reference plugin it implements") {
  const BridgeConf c = parse({{"bridge", "br-test"},
                              {"isGateway", true},
                              {"forceAddress", true},
                              {"ipMasq", true},
                              {"mtu", 1400},
                              {"hairpinMode", true},
                              {"enabledad", true},
                              {"ipam", kIpam}});
  CHECK(c.bridge == "br-test");
  CHECK(c.is_gateway);
  CHECK_FALSE(c.is_default_gateway);
  CHECK(c.force_address);
  CHECK(c.ip_masq);
  CHECK(c.mtu == 1400u);
  CHECK(c.hairpin_mode);
  CHECK_FALSE(c.promisc_mode);
  CHECK(c.enable_dad);
  CHECK(c.net.ipam_type == "nexus-ipam");
  CHECK(parse({{"promiscMode", true}}).promisc_mode);
  // mtu's bounds are inclusive.
  CHECK(parse({{"mtu", 68}}).mtu == 68u);
  CHECK(parse({{"mtu", 65535}}).mtu == 65535u);
}

TEST_CASE("bridge_conf: portIsolation true isolates the port; false and null leave it open") {
  CHECK(parse({{"portIsolation", true}}).port_isolation);
  CHECK(parse({{"portIsolation", true}, {"isGateway", true}, {"ipam", kIpam}}).port_isolation);
  CHECK_FALSE(parse({{"portIsolation", false}}).port_isolation);
  CHECK_FALSE(parse({{"portIsolation", nullptr}}).port_isolation);
  // In every verb: CHECK needs it to look for the flag.
  CHECK(parse({{"portIsolation", true}}, "CHECK").port_isolation);
}

TEST_CASE("bridge_conf: macspoofchk: off by default, true turns it on in every verb, a non-boolean is code 6") {
  CHECK_FALSE(parse({}).mac_spoof_check);
  CHECK_FALSE(parse({{"macspoofchk", false}}).mac_spoof_check);
  CHECK_FALSE(parse({{"macspoofchk", nullptr}}).mac_spoof_check);
  for (const char* verb : {"ADD", "CHECK", "DEL"}) CHECK(parse({{"macspoofchk", true}}, verb).mac_spoof_check);
  check_refused({{"macspoofchk", "yes"}}, Code::DecodeFailure, "field \"macspoofchk\" must be a boolean, got \"yes\"");
  check_refused({{"macspoofchk", 1}}, Code::DecodeFailure, "field \"macspoofchk\" must be a boolean, got 1");
}

TEST_CASE("bridge_conf: nonMasqueradeCIDRs: CIDRs of both families, host bits cleared; bad ones code 6 or 7") {
  CHECK(parse({}).non_masquerade_cidrs.empty());
  CHECK(parse({{"nonMasqueradeCIDRs", nullptr}}).non_masquerade_cidrs.empty());
  CHECK(parse({{"nonMasqueradeCIDRs", json::array()}}).non_masquerade_cidrs.empty());
  const json cidrs = {"10.244.0.0/16", "fd00:244::7/48", "192.0.2.9/32"};
  for (const char* verb : {"ADD", "CHECK"}) {  // CHECK compares the masquerade chain's exemptions with them
    const BridgeConf c = parse({{"ipMasq", true}, {"ipam", kIpam}, {"nonMasqueradeCIDRs", cidrs}}, verb);
    REQUIRE(c.non_masquerade_cidrs.size() == 3);
    CHECK(c.non_masquerade_cidrs[0].to_string() == "10.244.0.0/16");
    CHECK(c.non_masquerade_cidrs[1].to_string() == "fd00:244::/48");
    CHECK(c.non_masquerade_cidrs[2].to_string() == "192.0.2.9/32");
    CHECK(nexus::bridge_plugin::masquerade_target(c, conf_request({{"type", "nexus-bridge"}}, verb))
              .never_masqueraded == c.non_masquerade_cidrs);
  }
  check_refused({{"nonMasqueradeCIDRs", "10.244.0.0/16"}}, Code::DecodeFailure,
                "field \"nonMasqueradeCIDRs\" must be a list of strings");
  check_refused({{"nonMasqueradeCIDRs", {{"cidr", "10.244.0.0/16"}}}}, Code::DecodeFailure,
                "field \"nonMasqueradeCIDRs\" must be a list of strings");
  check_refused({{"nonMasqueradeCIDRs", {"10.244.0.0/16", 7}}}, Code::DecodeFailure,
                "field \"nonMasqueradeCIDRs\" must be a list of strings");
  check_refused({{"nonMasqueradeCIDRs", {"10.244.0.0"}}}, Code::InvalidConfig,
                "invalid nonMasqueradeCIDRs entry '10.244.0.0'");
  check_refused({{"nonMasqueradeCIDRs", {"10.244.0.0/33"}}}, Code::InvalidConfig,
                "invalid nonMasqueradeCIDRs entry '10.244.0.0/33'");
  check_refused({{"nonMasqueradeCIDRs", {"fd00::/129"}}}, Code::InvalidConfig, "invalid nonMasqueradeCIDRs entry");
  check_refused({{"nonMasqueradeCIDRs", {""}}}, Code::InvalidConfig, "invalid nonMasqueradeCIDRs entry ''");
  check_refused({{"nonMasqueradeCIDRs", {"cluster"}}}, Code::InvalidConfig,
                "invalid nonMasqueradeCIDRs entry 'cluster'");
  // DEL removes the attachment's elements by owner and needs no list: a bad one does not stop it.
  CHECK(parse({{"nonMasqueradeCIDRs", {"cluster"}}}, "DEL").non_masquerade_cidrs.empty());
  CHECK(parse({{"nonMasqueradeCIDRs", 5}}, "DEL").non_masquerade_cidrs.empty());
}

TEST_CASE("bridge_conf: isDefaultGateway implies isGateway") {
  const BridgeConf c = parse({{"isDefaultGateway", true}, {"ipam", kIpam}});
  CHECK(c.is_default_gateway);
  CHECK(c.is_gateway);
}

TEST_CASE("bridge_conf: the VLAN and spoof-check keys at their do-nothing values leave both off") {
  const BridgeConf c =
      parse({{"vlan", 0}, {"vlanTrunk", json::array()}, {"preserveDefaultVlan", false}, {"macspoofchk", false}});
  CHECK_FALSE(c.vlans.enabled());
  CHECK_FALSE(c.mac_spoof_check);
}

TEST_CASE("bridge_conf: ipMasqBackend: nftables accepted, iptables code 2, anything else code 7 or 6") {
  CHECK_NOTHROW(parse({{"ipMasq", true}, {"ipMasqBackend", "nftables"}, {"ipam", kIpam}}));
  CHECK_NOTHROW(parse({{"ipMasqBackend", "nftables"}}));
  CHECK_NOTHROW(parse({{"ipMasqBackend", nullptr}}));
  // Nexus masquerades with nftables only: refused in every verb.
  for (const char* verb : {"ADD", "CHECK", "DEL"})
    check_refused({{"ipMasq", true}, {"ipMasqBackend", "iptables"}, {"ipam", kIpam}}, Code::UnsupportedField,
                  "unsupported field \"ipMasqBackend\": \"iptables\"", verb);
  check_refused({{"ipMasqBackend", "iptables"}}, Code::UnsupportedField, "\"ipMasqBackend\": \"iptables\"");
  check_refused({{"ipMasqBackend", "NFTables"}}, Code::InvalidConfig, "invalid ipMasqBackend \"NFTables\"");
  check_refused({{"ipMasqBackend", ""}}, Code::InvalidConfig, "invalid ipMasqBackend \"\"");
  check_refused({{"ipMasqBackend", true}}, Code::DecodeFailure, "field \"ipMasqBackend\" must be a string");
  check_refused({{"ipMasqBackend", json::array({"nftables"})}}, Code::DecodeFailure, "field \"ipMasqBackend\"");
}

TEST_CASE("bridge_conf: disableContainerInterface: L2 only, with ipam code 7 as the reference") {
  CHECK(parse({{"disableContainerInterface", true}}).disable_container_interface);
  CHECK_FALSE(parse({{"disableContainerInterface", false}, {"ipam", kIpam}}).disable_container_interface);
  check_refused({{"disableContainerInterface", true}, {"ipam", kIpam}}, Code::InvalidConfig,
                "disableContainerInterface cannot be used with ipam");
  check_refused({{"disableContainerInterface", "true"}}, Code::DecodeFailure,
                "field \"disableContainerInterface\" must be a boolean");
}

TEST_CASE("bridge_conf: invalid values are code 7") {
  check_refused({{"bridge", "a-name-longer-than-15"}}, Code::InvalidConfig,
                "invalid bridge \"a-name-longer-than-15\": not a valid interface name");
  check_refused({{"bridge", "bad/name"}}, Code::InvalidConfig, "invalid bridge \"bad/name\"");
  check_refused({{"hairpinMode", true}, {"promiscMode", true}}, Code::InvalidConfig,
                "hairpinMode and promiscMode cannot both be true");
  check_refused({{"mtu", 67}}, Code::InvalidConfig, "invalid mtu 67: must be 68 to 65535");
  check_refused({{"mtu", 65536}}, Code::InvalidConfig, "invalid mtu 65536: must be 68 to 65535");
  check_refused({{"isGateway", true}}, Code::InvalidConfig, "missing ipam.type");
  check_refused({{"ipMasq", true}}, Code::InvalidConfig, "missing ipam.type");
  check_refused({{"isDefaultGateway", true}, {"ipam", json::object()}}, Code::InvalidConfig, "missing ipam.type");
}

TEST_CASE("bridge_conf: values of the wrong JSON type are code 6") {
  check_refused({{"isGateway", "yes"}}, Code::DecodeFailure, "field \"isGateway\" must be");
  check_refused({{"mtu", "1500"}}, Code::DecodeFailure, "field \"mtu\" must be");
  check_refused({{"bridge", 7}}, Code::DecodeFailure, "field \"bridge\" must be");
  // The reference's README example writes "portIsolation": "true"; its Go decoder refuses the string too.
  check_refused({{"portIsolation", "true"}}, Code::DecodeFailure, "field \"portIsolation\" must be a boolean, got \"true\"");
  check_refused({{"portIsolation", 1}}, Code::DecodeFailure, "field \"portIsolation\" must be a boolean, got 1");
  check_refused({{"portIsolation", json::array({true})}}, Code::DecodeFailure, "field \"portIsolation\" must be");
}

TEST_CASE("bridge_conf: the MAC request, from CNI_ARGS, args.cni.mac and runtimeConfig.mac, last one wins") {
  CHECK(parse(json::object(), "ADD", "MAC=AA-BB-CC-DD-EE-F0").mac == "aa:bb:cc:dd:ee:f0");
  CHECK(parse({{"args", {{"cni", {{"mac", "02:00:00:00:00:01"}}}}}}, "ADD", "MAC=02:00:00:00:00:02").mac ==
        "02:00:00:00:00:01");
  CHECK(parse({{"args", {{"cni", {{"mac", "02:00:00:00:00:01"}}}}}, {"runtimeConfig", {{"mac", "02:00:00:00:00:03"}}}},
              "ADD", "MAC=02:00:00:00:00:02")
            .mac == "02:00:00:00:00:03");
}

TEST_CASE("bridge_conf: an invalid MAC is code 4 from CNI_ARGS, 7 from the configuration; DEL ignores it") {
  check_refused(json::object(), Code::InvalidEnv, "invalid CNI_ARGS MAC \"01:00:00:00:00:01\"", "ADD",
                "MAC=01:00:00:00:00:01");  // multicast
  check_refused({{"runtimeConfig", {{"mac", "00:00:00:00:00:00"}}}}, Code::InvalidConfig,
                "invalid runtimeConfig.mac \"00:00:00:00:00:00\"");
  check_refused({{"args", {{"cni", {{"mac", "zz:00:00:00:00:01"}}}}}}, Code::InvalidConfig,
                "invalid args.cni.mac \"zz:00:00:00:00:01\"");
  CHECK_FALSE(parse(json::object(), "DEL", "MAC=nonsense").mac);
}

TEST_CASE("bridge_conf: CNI_ARGS keys other than IP and MAC are code 4 unless IgnoreUnknown") {
  check_refused(json::object(), Code::InvalidEnv, "unknown CNI_ARGS key \"FOO\"", "ADD", "FOO=1");
  check_refused(json::object(), Code::InvalidEnv, "unknown CNI_ARGS key \"FOO\"", "DEL", "FOO=1");
  CHECK_NOTHROW(parse(json::object(), "ADD", "IP=10.0.42.7;FOO=1;IgnoreUnknown=1"));
}

TEST_CASE("bridge_conf: runtimeConfig.dns in the conventions' keys servers, searches, options is kept for the result") {
  const BridgeConf c = parse({{"runtimeConfig",
                               {{"dns",
                                 {{"servers", {"10.0.0.53", "10.0.0.54"}},
                                  {"searches", {"example", "corp.test"}},
                                  {"options", {"ndots:2"}}}}}}});
  REQUIRE(c.runtime_dns);
  CHECK(c.runtime_dns->nameservers == std::vector<std::string>{"10.0.0.53", "10.0.0.54"});
  CHECK(c.runtime_dns->search == std::vector<std::string>{"example", "corp.test"});
  CHECK(c.runtime_dns->options == std::vector<std::string>{"ndots:2"});
  // The result's keys are not the capability's: they ask for nothing.
  const BridgeConf result_keys =
      parse({{"runtimeConfig", {{"dns", {{"nameservers", {"10.0.0.53"}}, {"search", {"example"}}}}}}});
  REQUIRE(result_keys.runtime_dns);
  CHECK(result_keys.runtime_dns->empty());
  CHECK_FALSE(parse({{"runtimeConfig", {{"dns", nullptr}}}}).runtime_dns);
  check_refused({{"runtimeConfig", {{"dns", {{"servers", "10.0.0.53"}}}}}}, Code::DecodeFailure,
                "field \"servers\" must be a list of strings");
  check_refused({{"runtimeConfig", {{"dns", {{"searches", {1}}}}}}}, Code::DecodeFailure, "field \"searches\"");
  check_refused({{"runtimeConfig", {{"dns", {{"options", {{"a", 1}}}}}}}}, Code::DecodeFailure, "field \"options\"");
  check_refused({{"runtimeConfig", {{"dns", "8.8.8.8"}}}}, Code::DecodeFailure,
                "runtimeConfig.dns\" must be an object");
}

TEST_CASE("bridge_conf: runtimeConfig.portMappings (capability portMappings)") {
  const json ipam = {{"ipam", kIpam}};
  auto with = [&](json mappings) {
    json c = ipam;
    c["runtimeConfig"]["portMappings"] = std::move(mappings);
    return c;
  };
  const BridgeConf c = parse(with(json::parse(R"([{"hostPort":8080,"containerPort":80},
      {"hostPort":5353,"containerPort":53,"protocol":"UDP","hostIP":"127.0.0.1"},
      {"hostPort":8080,"containerPort":80,"protocol":"sctp","hostIP":""},
      {"hostPort":8080,"containerPort":81,"hostIP":"::1"}])")));
  REQUIRE(c.port_mappings.size() == 4);
  CHECK(c.publishes_ports);
  CHECK(c.port_mappings[0] == nexus::nat::PortMapping{.host_port = 8080, .container_port = 80, .protocol = "tcp",
                                                       .host_ip = std::nullopt});
  CHECK(c.port_mappings[1].protocol == "udp");
  CHECK(c.port_mappings[1].host_ip->to_string() == "127.0.0.1");
  CHECK_FALSE(c.port_mappings[2].host_ip);  // "": every address, as runtimes send it
  CHECK(nexus::nat::host_side_text(c.port_mappings[1]) == "127.0.0.1:5353/udp");
  CHECK(nexus::nat::host_side_text(c.port_mappings[3]) == "[::1]:8080/tcp");
  CHECK(nexus::nat::host_side_text(c.port_mappings[0]) == "8080/tcp");

  CHECK(parse(ipam).port_mappings.empty());
  CHECK_FALSE(parse(ipam).publishes_ports);
  CHECK(parse({{"capabilities", {{"portMappings", true}}}}).publishes_ports);  // DEL needs no list
  check_refused(with(json::parse(R"([{"hostPort":0,"containerPort":80}])")), Code::InvalidConfig,
                "invalid runtimeConfig.portMappings[0].hostPort 0: must be 1 to 65535");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":-1}])")), Code::InvalidConfig,
                "containerPort -1: must be 1 to 65535");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":65536}])")), Code::InvalidConfig,
                "containerPort 65536");
  check_refused(with(json::parse(R"([{"containerPort":80}])")), Code::InvalidConfig, "missing field");
  check_refused(with(json::parse(R"([{"hostPort":"80","containerPort":80}])")), Code::DecodeFailure,
                "hostPort\" must be an integer");
  check_refused(with(json::parse(R"([{"hostPort":80.5,"containerPort":80}])")), Code::DecodeFailure, "hostPort");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":80,"protocol":"icmp"}])")), Code::InvalidConfig,
                "must be tcp, udp or sctp");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":80,"protocol":6}])")), Code::DecodeFailure,
                "protocol");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":80,"hostIP":"10.0.0.300"}])")),
                Code::InvalidConfig, "not an IP address");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":80,"hostIP":["10.0.0.1"]}])")),
                Code::DecodeFailure, "hostIP");
  check_refused(with(json::parse(R"(["80:80"])")), Code::DecodeFailure, "must be an object");
  check_refused(with(json::parse(R"({"hostPort":80})")), Code::DecodeFailure, "must be a list");
  check_refused(with(json::parse(R"([{"hostPort":80,"containerPort":80},{"hostPort":80,"containerPort":81,"protocol":"TCP"}])")),
                Code::InvalidConfig, "host port 80/tcp is mapped twice");
  // Same port, other protocol or other hostIP: not duplicates.
  CHECK(parse(with(json::parse(R"([{"hostPort":80,"containerPort":80},{"hostPort":80,"containerPort":80,"protocol":"udp"},
      {"hostPort":80,"containerPort":80,"hostIP":"10.0.0.1"}])"))).port_mappings.size() == 3);
  check_refused({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":80,"containerPort":80}])")}}}},
                Code::InvalidConfig, "missing ipam.type");
  // DEL goes by owner and needs no list: a bad one does not stop it.
  CHECK(parse(with(json::parse(R"([{"hostPort":0}])")), "DEL").port_mappings.empty());
}

TEST_CASE("bridge_conf: normalize_mac") {
  using nexus::bridge_plugin::normalize_mac;
  CHECK(normalize_mac("02-AB-cd-00-11-22") == "02:ab:cd:00:11:22");
  CHECK_FALSE(normalize_mac("03:00:00:00:00:01"));  // multicast bit
  CHECK_FALSE(normalize_mac("00:00:00:00:00:00"));
  CHECK_FALSE(normalize_mac("02:00:00:00:00"));
  CHECK_FALSE(normalize_mac("02:00:00:00:00:0g"));
  CHECK_FALSE(normalize_mac("02.00.00.00.00.01"));
}

}  // TEST_SUITE
