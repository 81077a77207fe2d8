// nexus-bridge options of the reference bridge plugin (issue 11): mtu's default, disableContainerInterface,
// ipMasqBackend and the dns capability, against real kernel state in a throwaway host netns each.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

// `ip -j link show dev` of one link, in the host netns the test is in or in a container.
json link_json(const std::string& name) { return json::parse(inspect("ip -j link show dev " + name)).at(0); }
json link_json_in(const ContainerNetns& c, const std::string& name) {
  return json::parse(inspect_in(c, "ip -j link show dev " + name)).at(0);
}

bool has_flag(const json& link, const std::string& flag) {
  for (const auto& f : link.at("flags"))
    if (f == flag) return true;
  return false;
}

// An L2-only network (no ipam): the form disableContainerInterface allows.
json l2_config(const BridgeEnv& env, const json& extra = json::object()) {
  json conf = env.config("10.57.0.0/24", extra);
  conf.erase("ipam");
  conf.erase("isGateway");
  return conf;
}

}  // namespace

TEST_CASE("bridge options: mtu unset takes the default-route interface's, an explicit mtu wins" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c0, c1, c2;
  // No default route: 1500, what the kernel gives a veth.
  const auto none = env.add_ok("c0", c0, env.config("10.51.0.0/24", {{"bridge", "nxbr0"}}));
  CHECK(link_json("nxbr0")["mtu"] == 1500);
  CHECK(link_json_in(c0, "eth0")["mtu"] == 1500);

  // An uplink with a smaller MTU carrying the default route, as on an overlay or cloud host.
  // (A veth: this kernel has no dummy driver.)
  inspect("ip link add up0 mtu 1400 type veth peer name up0p mtu 1400");
  inspect("ip link set up0 up");
  inspect("ip link set up0p up");
  inspect("ip addr add 192.0.2.2/24 dev up0");
  inspect("ip route add default via 192.0.2.1 dev up0");
  const auto add = env.add_ok("c1", c1, env.config("10.52.0.0/24", {{"bridge", "nxbr1"}}, "1.1.0"));
  const std::string host_veth = add.json()["interfaces"][1]["name"];
  CHECK(link_json("nxbr1")["mtu"] == 1400);
  CHECK(link_json(host_veth)["mtu"] == 1400);
  CHECK(link_json_in(c1, "eth0")["mtu"] == 1400);
  CHECK(add.json()["interfaces"][2]["mtu"] == 1400);  // a 1.1.0 result says so

  // An explicit mtu is taken as it is, larger than the uplink's or not.
  const auto explicit_mtu = env.add_ok("c2", c2, env.config("10.53.0.0/24", {{"bridge", "nxbr2"}, {"mtu", 1500}}));
  CHECK(link_json("nxbr2")["mtu"] == 1500);
  CHECK(link_json(explicit_mtu.json()["interfaces"][1]["name"].get<std::string>())["mtu"] == 1500);
  CHECK(link_json_in(c2, "eth0")["mtu"] == 1500);
}

TEST_CASE("bridge options: disableContainerInterface leaves the container interface down; CHECK and DEL work" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns normal, disabled;
  const auto add_normal = env.add_ok("c1", normal, l2_config(env));
  const json conf = l2_config(env, {{"disableContainerInterface", true}});
  const auto add = env.add_ok("c2", disabled, conf);

  // The container interface: there, down, no address (not even IPv6 link-local), no route via it.
  const json eth0 = link_json_in(disabled, "eth0");
  CHECK_FALSE(has_flag(eth0, "UP"));
  CHECK(has_flag(link_json_in(normal, "eth0"), "UP"));
  CHECK(inspect_in(disabled, "ip -o addr show dev eth0").empty());
  CHECK(inspect_in(disabled, "ip -o route show dev eth0 table all").empty());
  CHECK(eth0["address"] == add.json()["interfaces"][2]["mac"]);
  // Everything else as a normal ADD: lo up, the same links, the host veth up on the bridge.
  CHECK(has_flag(link_json_in(disabled, "lo"), "UP"));
  CHECK(link_names_in(disabled) == link_names_in(normal));
  const json host = link_json(add.json()["interfaces"][1]["name"].get<std::string>());
  CHECK(host["master"] == "nxbr0");
  CHECK(has_flag(host, "UP"));
  CHECK(add.json()["interfaces"].size() == add_normal.json()["interfaces"].size());
  CHECK_FALSE(add.json().contains("ips"));

  CHECK(env.run("CHECK", "c2", disabled.path(), with_prev(conf, add)).exit_code == 0);
  // CHECK still finds a missing interface.
  inspect_in(disabled, "ip link set eth0 name eth9");
  CHECK_CNI_ERROR(env.run("CHECK", "c2", disabled.path(), with_prev(conf, add)), 999);
  inspect_in(disabled, "ip link set eth9 name eth0");

  CHECK(env.run("DEL", "c2", disabled.path(), with_prev(conf, add)).exit_code == 0);
  CHECK_FALSE(has_link_in(disabled, "eth0"));
  CHECK(env.host_veths().size() == 1);  // the normal container's only
  CHECK(env.run("DEL", "c2", disabled.path(), conf).exit_code == 0);
  CHECK(env.run("DEL", "c2", "", conf).exit_code == 0);
}

TEST_CASE("bridge options: disableContainerInterface with ipam is code 7 and changes nothing" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const auto add = env.run("ADD", "c1", c.path(), env.config("10.57.0.0/24", {{"disableContainerInterface", true}}));
  CHECK_CNI_ERROR(add, 7);
  CHECK(add.json()["msg"].get<std::string>().find("disableContainerInterface") != std::string::npos);
  CHECK_FALSE(has_link("nxbr0"));
  CHECK_FALSE(has_link_in(c, "eth0"));
  CHECK(env.lease_count() == 0);
}

TEST_CASE("bridge options: ipMasqBackend nftables masquerades; iptables is code 2 naming it" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1, c2;
  const json conf = env.config("10.58.0.0/24", {{"ipMasq", true}, {"ipMasqBackend", "nftables"}});
  const auto add = env.add_ok("c1", c1, conf);
  const std::string address = add.json()["ips"][0]["address"];
  CHECK(masqueraded_v4() == std::multiset<std::string>{address.substr(0, address.find('/'))});
  CHECK(env.run("CHECK", "c1", c1.path(), with_prev(conf, add)).exit_code == 0);
  CHECK(env.run("DEL", "c1", c1.path(), with_prev(conf, add)).exit_code == 0);
  CHECK(masqueraded_v4().empty());

  const auto refused =
      env.run("ADD", "c2", c2.path(), env.config("10.58.0.0/24", {{"ipMasq", true}, {"ipMasqBackend", "iptables"}}));
  CHECK_CNI_ERROR(refused, 2);
  CHECK(refused.json()["msg"].get<std::string>().find("iptables") != std::string::npos);
  CHECK_FALSE(has_link_in(c2, "eth0"));
  CHECK(env.lease_count() == 0);
}

TEST_CASE("bridge options: runtimeConfig.dns in the conventions' keys reaches the result" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  json conf = env.config("10.59.0.0/24", {{"dns", {{"nameservers", {"10.59.0.1"}}, {"domain", "net.test"}}}});
  conf["runtimeConfig"] = {{"dns",
                            {{"servers", {"10.59.0.53", "10.59.0.54"}},
                             {"searches", {"svc.test", "corp.test"}},
                             {"options", {"ndots:2"}}}}};
  const json dns = env.add_ok("c1", c, conf).json()["dns"];
  CHECK(dns["nameservers"] == json{"10.59.0.53", "10.59.0.54"});
  CHECK(dns["search"] == json{"svc.test", "corp.test"});
  CHECK(dns["options"] == json{"ndots:2"});
  CHECK(dns["domain"] == "net.test");  // the capability has no domain: the config's stays
}
