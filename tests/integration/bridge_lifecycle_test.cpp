// nexus-bridge ADD/CHECK/DEL against real kernel objects, each case in its own throwaway host netns.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

/// ADD of container c1 in `c` with `conf`, which must succeed.
PluginRun add_c1(const BridgeEnv& env, const ContainerNetns& c, const json& conf) {
  PluginRun add = env.run("ADD", "c1", c.path(), conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
  return add;
}

std::string container_addrs(const ContainerNetns& c) { return run_in_netns(c, "ip -o addr show dev eth0").out; }

}  // namespace

TEST_CASE("bridge: IPv4 ADD, CHECK, DEL leave the right kernel state" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const json conf = env.config("10.50.0.0/24", {{"hairpinMode", true}});
  const auto add = add_c1(env, c, conf);
  const json r = add.json();

  // Result: bridge, host veth, container interface with its sandbox and real MAC.
  REQUIRE(r["interfaces"].size() == 3);
  CHECK(r["interfaces"][0]["name"] == "nxbr0");
  const std::string host_veth = r["interfaces"][1]["name"];
  CHECK(host_veth.starts_with("nex-"));
  CHECK(host_veth.size() == 15);
  CHECK(r["interfaces"][2]["name"] == "eth0");
  CHECK(r["interfaces"][2]["sandbox"] == c.path());
  CHECK(r["ips"][0]["address"] == "10.50.0.2/24");
  CHECK(r["ips"][0]["gateway"] == "10.50.0.1");
  CHECK(r["ips"][0]["interface"] == 2);
  const std::string mac = r["interfaces"][2]["mac"];
  CHECK(run_in_netns(c, "ip -o link show eth0").out.find("link/ether " + mac) != std::string::npos);

  // Kernel: the container is addressed and up, lo is up, the host end is on the bridge, the bridge has the gateway.
  CHECK(container_addrs(c).find("10.50.0.2/24") != std::string::npos);
  CHECK(run_in_netns(c, "ip -o link show lo").out.find("UP") != std::string::npos);
  CHECK(run_shell("ip -o link show " + host_veth).out.find("master nxbr0") != std::string::npos);
  CHECK(run_shell("ip -o addr show dev nxbr0").out.find("10.50.0.1/24") != std::string::npos);
  CHECK(run_shell("ip -d link show " + host_veth).out.find("hairpin on") != std::string::npos);
  CHECK(run_shell("ping -c1 -W2 10.50.0.2").exit_code == 0);

  const auto check = env.run("CHECK", "c1", c.path(), with_prev(conf, add));
  CHECK_MESSAGE(check.exit_code == 0, check.out);

  const auto del = env.run("DEL", "c1", c.path(), with_prev(conf, add));
  CHECK_MESSAGE(del.exit_code == 0, del.out);
  CHECK(del.out.empty());
  CHECK(env.host_veths().empty());
  CHECK(env.lease_count() == 0);
  CHECK_FALSE(has_link_in(c, "eth0"));
  // After DEL, CHECK must fail.
  CHECK_CNI_ERROR(env.run("CHECK", "c1", c.path(), with_prev(conf, add)), 999);
}

TEST_CASE("bridge: IPv6 and dual stack" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const json conf = env.config_sets({"10.51.0.0/24", "fd00:51::/64"});
  const auto add = add_c1(env, c, conf);
  const json r = add.json();
  REQUIRE(r["ips"].size() == 2);
  CHECK(r["ips"][1]["address"] == "fd00:51::2/64");
  CHECK(container_addrs(c).find("fd00:51::2/64") != std::string::npos);
  CHECK(run_shell("ip -o addr show dev nxbr0").out.find("fd00:51::1/64") != std::string::npos);
  CHECK(run_shell("ping -c1 -W2 10.51.0.2").exit_code == 0);
  CHECK(run_shell("ping -6 -c1 -W2 fd00:51::2").exit_code == 0);
  CHECK(env.run("CHECK", "c1", c.path(), with_prev(conf, add)).exit_code == 0);
  CHECK(env.run("DEL", "c1", c.path(), with_prev(conf, add)).exit_code == 0);
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
}

TEST_CASE("bridge: IPv6 only, with a default route" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const json conf = env.config("fd00:52::/64", {{"isDefaultGateway", true}});
  const auto add = add_c1(env, c, conf);
  CHECK(run_in_netns(c, "ip -6 route show default").out.find("via fd00:52::1") != std::string::npos);
  CHECK(run_shell("ping -6 -c1 -W2 fd00:52::2").exit_code == 0);
  CHECK(env.run("DEL", "c1", c.path(), conf).exit_code == 0);
}

TEST_CASE("bridge: valid results for every supported cniVersion" * doctest::skip(skip_root_tests())) {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    CAPTURE(v);
    BridgeEnv env;
    ContainerNetns c;
    const json conf = env.config("10.53.0.0/24", {{"mtu", 1400}}, v);
    const auto add = add_c1(env, c, conf);
    const json r = add.json();
    CHECK(r["cniVersion"] == v);
    CHECK(r["ips"][0].contains("version") == std::string(v).starts_with("0."));
    CHECK(r["interfaces"][2].contains("mtu") == (std::string(v) == "1.1.0"));
    CHECK(run_in_netns(c, "ip -o link show eth0").out.find("mtu 1400") != std::string::npos);
    if (std::string(v) != "0.3.0" && std::string(v) != "0.3.1")
      CHECK(env.run("CHECK", "c1", c.path(), with_prev(conf, add)).exit_code == 0);
    CHECK(env.run("DEL", "c1", c.path(), with_prev(conf, add)).exit_code == 0);
  }
}

TEST_CASE("bridge: DEL without CNI_NETNS, with the netns gone, and twice" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  const json conf = env.config("10.54.0.0/24");
  SUBCASE("empty CNI_NETNS") {
    ContainerNetns c;
    REQUIRE(env.run("ADD", "c1", c.path(), conf).exit_code == 0);
    const auto del = env.run("DEL", "c1", "", conf);
    CHECK_MESSAGE(del.exit_code == 0, del.out);
    CHECK(env.host_veths().empty());
    CHECK(env.lease_count() == 0);
  }
  SUBCASE("netns deleted before DEL") {
    std::string path;
    {
      ContainerNetns c;
      path = c.path();
      REQUIRE(env.run("ADD", "c2", path, conf).exit_code == 0);
    }
    const auto del = env.run("DEL", "c2", path, conf);
    CHECK_MESSAGE(del.exit_code == 0, del.out);
    CHECK(env.host_veths().empty());
    CHECK(env.lease_count() == 0);
  }
  SUBCASE("twice, and for a container never added") {
    ContainerNetns c;
    REQUIRE(env.run("ADD", "c3", c.path(), conf).exit_code == 0);
    CHECK(env.run("DEL", "c3", c.path(), conf).exit_code == 0);
    CHECK(env.run("DEL", "c3", c.path(), conf).exit_code == 0);
    CHECK(env.run("DEL", "never", c.path(), conf).exit_code == 0);
    CHECK(env.lease_count() == 0);
  }
}

TEST_CASE("bridge: MAC requests from CNI_ARGS and runtimeConfig, DNS from config and runtimeConfig" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1, c2;
  json conf = env.config("10.55.0.0/24", {{"dns", {{"nameservers", {"10.55.0.1"}}}}});
  const auto a1 = env.run("ADD", "c1", c1.path(), conf, "MAC=02:AA:bb:cc:dd:01");
  REQUIRE_MESSAGE(a1.exit_code == 0, a1.out);
  CHECK(a1.json()["interfaces"][2]["mac"] == "02:aa:bb:cc:dd:01");
  CHECK(a1.json()["dns"]["nameservers"] == json{"10.55.0.1"});
  conf["runtimeConfig"] = {{"mac", "02:aa:bb:cc:dd:02"}, {"dns", {{"searches", {"svc.test"}}}}};
  const auto a2 = env.run("ADD", "c2", c2.path(), conf);
  REQUIRE_MESSAGE(a2.exit_code == 0, a2.out);
  CHECK(run_in_netns(c2, "ip -o link show eth0").out.find("link/ether 02:aa:bb:cc:dd:02") != std::string::npos);
  CHECK(a2.json()["dns"]["search"] == json{"svc.test"});
  CHECK(a2.json()["dns"]["nameservers"] == json{"10.55.0.1"});
}

TEST_CASE("bridge: an interface name already taken in the container is refused before IPAM" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  REQUIRE(run_in_netns(c, "ip link add eth0 type veth peer name eth0p").exit_code == 0);
  const auto add = env.run("ADD", "c1", c.path(), env.config());
  CHECK_CNI_ERROR(add, 7);
  CHECK(add.json()["msg"].get<std::string>().find("already exists") != std::string::npos);
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
}
