// ipMasq: a netns plays the outside world, reachable only through the test's host netns.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

// Nexus's table as nft prints it; "" when there is none. A failing nft fails the test instead of reading as "".
std::string nft_table() {
  if (inspect("nft list tables").find("table inet nexus\n") == std::string::npos) return "";
  return inspect("nft list table inet nexus");
}

// The source address a TCP connection from `c` to `address` shows at the outside server ("" if none came).
std::string seen_from(const TestNetns& c, const TestNetns& outside, const std::string& address, int port) {
  TcpListener server(outside.fd(), address, port, 3000);
  REQUIRE(server.ready());
  tcp_exchange(c.fd(), address, port, 3000);
  return server.peer();
}

// Owners of the masquerade elements for `address`, in any format of the maps.
std::vector<std::string> owners_of(const std::string& address) {
  std::vector<std::string> out;
  for (const MasqElement& e : masquerade_elements())
    if (e.address == address) out.push_back(e.bridge + ":" + e.owner);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("bridge NAT: the container reaches the outside with its source translated" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns c;
  connect_outside(outside);
  const json conf = env.config("10.70.0.0/24", {{"ipMasq", true}, {"isDefaultGateway", true}});
  const auto add = env.run("ADD", "c1", c.path(), conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
  CHECK(nft_table().find("10.70.0.2") != std::string::npos);

  {
    TcpListener server(outside.fd(), "198.51.100.1", 9000);
    REQUIRE(server.ready());
    CHECK(tcp_exchange(c.fd(), "198.51.100.1", 9000) == "nexus-ok");
    CHECK(server.peer() == "198.51.100.254");  // masqueraded to the host's address on that link
  }
  CHECK(run_in_netns(c, "ping -c1 -W2 198.51.100.1").exit_code == 0);
  {
    // Inside the network's subnet nothing is translated.
    TcpListener server(-1, "10.70.0.1", 9001);
    REQUIRE(server.ready());
    CHECK(tcp_exchange(c.fd(), "10.70.0.1", 9001) == "nexus-ok");
    CHECK(server.peer() == "10.70.0.2");
  }

  json with_prev = conf;
  with_prev["prevResult"] = add.json();
  CHECK(env.run("CHECK", "c1", c.path(), with_prev).exit_code == 0);
  CHECK(env.run("DEL", "c1", c.path(), with_prev).exit_code == 0);
  CHECK(nft_table().find("10.70.0.2") == std::string::npos);
  CHECK(run_in_netns(outside, "ping -c1 -W1 10.70.0.2").exit_code != 0);
}

TEST_CASE("bridge NAT: without ipMasq the source is not translated" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns c;
  connect_outside(outside);
  REQUIRE(run_in_netns(outside, "ip route add 10.71.0.0/24 via 198.51.100.254").exit_code == 0);
  const json conf = env.config("10.71.0.0/24", {{"isDefaultGateway", true}});
  REQUIRE(env.run("ADD", "c1", c.path(), conf).exit_code == 0);
  REQUIRE(run_shell("echo 1 > /proc/sys/net/ipv4/ip_forward").exit_code == 0);
  TcpListener server(outside.fd(), "198.51.100.1", 9002);
  REQUIRE(server.ready());
  CHECK(tcp_exchange(c.fd(), "198.51.100.1", 9002) == "nexus-ok");
  CHECK(server.peer() == "10.71.0.2");
}

TEST_CASE("bridge NAT: DEL without prevResult and GC find masquerade elements by attachment" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b, c;
  const json conf = env.config("10.72.0.0/24", {{"ipMasq", true}}, "1.1.0");
  REQUIRE(env.run("ADD", "a", a.path(), conf).exit_code == 0);
  REQUIRE(env.run("ADD", "b", b.path(), conf).exit_code == 0);
  REQUIRE(env.run("ADD", "c", c.path(), conf).exit_code == 0);
  CHECK(nft_table().find("comment \"a/eth0\"") != std::string::npos);

  const auto del = env.run("DEL", "a", "", conf);  // no prevResult, no netns: as a runtime that lost its cache
  CHECK_MESSAGE(del.exit_code == 0, del.out);
  CHECK(nft_table().find("10.72.0.2 ") == std::string::npos);
  CHECK(nft_table().find("10.72.0.3 ") != std::string::npos);

  json gc = conf;
  gc["cni.dev/valid-attachments"] = json::parse(R"([{"containerID":"c","ifname":"eth0"}])");
  const auto r = run_plugin(nexus_bridge_path(), {.command = "GC"}, gc);
  CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK(nft_table().find("10.72.0.3 ") == std::string::npos);  // b: not valid any more
  CHECK(nft_table().find("10.72.0.4 ") != std::string::npos);  // c: kept
  CHECK(env.lease_count() == 1);
}

namespace {

// Container a holds 10.0.77.50 on a masqueraded network with an outside world; b will get the same address.
struct SameAddressTwice {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns a, b;
  const json conf = env.config("10.0.77.0/24", {{"ipMasq", true}, {"isDefaultGateway", true}});
  PluginRun add_a;
  SameAddressTwice() {
    connect_outside(outside);
    add_a = env.run("ADD", "a", a.path(), conf, "IP=10.0.77.50");
    REQUIRE_MESSAGE(add_a.exit_code == 0, add_a.out);
  }
};

}  // namespace

// Issue 9, item 2: runtimes repeat a DEL with the prevResult they have, which may name an address that has
// since gone to another container.
TEST_CASE_FIXTURE(SameAddressTwice,
                  "bridge NAT: a repeated DEL of a container leaves its address's new owner its NAT" *
                      doctest::skip(skip_root_tests())) {
  REQUIRE(env.run("DEL", "a", a.path(), with_prev(conf, add_a)).exit_code == 0);
  const auto add_b = env.run("ADD", "b", b.path(), conf, "IP=10.0.77.50");
  REQUIRE_MESSAGE(add_b.exit_code == 0, add_b.out);

  SUBCASE("with its stale prevResult") { CHECK(env.run("DEL", "a", a.path(), with_prev(conf, add_a)).exit_code == 0); }
  SUBCASE("without prevResult") { CHECK(env.run("DEL", "a", "", conf).exit_code == 0); }
  CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbr0:b/eth0"});
  CHECK(env.run("CHECK", "b", b.path(), with_prev(conf, add_b)).exit_code == 0);
  CHECK(seen_from(b, outside, "198.51.100.1", 9010) == "198.51.100.254");
}

// The element of a container whose lease went without a DEL (e.g. a GC of an older Nexus, which freed leases
// before removing elements, whose element step failed): `add element` would keep its owner's comment.
TEST_CASE_FIXTURE(SameAddressTwice,
                  "bridge NAT: an ADD takes over the stale element of its address; the old owner's DEL leaves it" *
                      doctest::skip(skip_root_tests())) {
  REQUIRE(run_shell("rm " + env.data.path() + "/testnet/10.0.77.50").exit_code == 0);
  REQUIRE(run_in_netns(a, "ip link del eth0").exit_code == 0);
  const auto add_b = env.run("ADD", "b", b.path(), conf, "IP=10.0.77.50");
  REQUIRE_MESSAGE(add_b.exit_code == 0, add_b.out);
  CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbr0:b/eth0"});

  CHECK(env.run("DEL", "a", "", conf).exit_code == 0);
  CHECK(env.run("DEL", "a", a.path(), with_prev(conf, add_a)).exit_code == 0);
  CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbr0:b/eth0"});
  CHECK(seen_from(b, outside, "198.51.100.1", 9011) == "198.51.100.254");
  CHECK(env.run("DEL", "b", b.path(), with_prev(conf, add_b)).exit_code == 0);
  CHECK(masquerade_elements().empty());
  CHECK(owner_tokens_v4().empty());
}

namespace {

// Two networks with the same subnet on bridges nxbra and nxbrb, each with its own uplink and outside world
// (198.51.100.1 for a, 203.0.113.1 for b). Replies, translated back to a container address both networks
// have, find their bridge by the uplink they came in on (the host's routes alone cannot tell).
struct OverlappingNetworks {
  BridgeEnv env;
  TestNetns outside_a, outside_b;
  json conf_a = env.config("10.0.77.0/24", {{"name", "net-a"}, {"bridge", "nxbra"}, {"ipMasq", true},
                                            {"isDefaultGateway", true}});
  json conf_b = env.config("10.0.77.0/24", {{"name", "net-b"}, {"bridge", "nxbrb"}, {"ipMasq", true},
                                            {"isDefaultGateway", true}});
  OverlappingNetworks() {
    connect_outside(outside_a, "outa", "198.51.100");
    connect_outside(outside_b, "outb", "203.0.113");
  }
  /// ADD of container `id` on the network of `conf` asking for 10.0.77.50, the address both networks have;
  /// it must succeed.
  PluginRun add_at_50(const std::string& id, const ContainerNetns& netns, const json& conf) const {
    PluginRun add = env.run("ADD", id, netns.path(), conf, "IP=10.0.77.50");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out);
    return add;
  }
  void route_replies() const {
    REQUIRE(run_shell("ip rule add iif outa-h lookup 101 && ip route add 10.0.77.0/24 dev nxbra table 101 && "
                      "ip rule add iif outb-h lookup 102 && ip route add 10.0.77.0/24 dev nxbrb table 102")
                .exit_code == 0);
  }
};

}  // namespace

// Issue 9, item 3.
TEST_CASE("bridge NAT: two networks with overlapping subnets masquerade side by side; DEL of one leaves the other" *
          doctest::skip(skip_root_tests())) {
  OverlappingNetworks n;
  ContainerNetns a, b;
  const auto add_a = n.add_at_50("a", a, n.conf_a);
  const auto add_b = n.add_at_50("b", b, n.conf_b);
  n.route_replies();
  CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbra:a/eth0", "nxbrb:b/eth0"});
  CHECK(seen_from(a, n.outside_a, "198.51.100.1", 9020) == "198.51.100.254");
  CHECK(seen_from(b, n.outside_b, "203.0.113.1", 9021) == "203.0.113.254");
  CHECK(n.env.run("CHECK", "a", a.path(), with_prev(n.conf_a, add_a)).exit_code == 0);
  CHECK(n.env.run("CHECK", "b", b.path(), with_prev(n.conf_b, add_b)).exit_code == 0);

  SUBCASE("DEL of a") {
    CHECK(n.env.run("DEL", "a", a.path(), with_prev(n.conf_a, add_a)).exit_code == 0);
    CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbrb:b/eth0"});
    CHECK(seen_from(b, n.outside_b, "203.0.113.1", 9022) == "203.0.113.254");
  }
  SUBCASE("DEL of b") {
    CHECK(n.env.run("DEL", "b", "", n.conf_b).exit_code == 0);
    CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbra:a/eth0"});
    CHECK(seen_from(a, n.outside_a, "198.51.100.1", 9023) == "198.51.100.254");
  }
}

TEST_CASE("bridge NAT: an ADD that fails after masquerading leaves the other network's element of its address" *
          doctest::skip(skip_root_tests())) {
  OverlappingNetworks n;
  ContainerNetns a, b;
  const auto add_a = n.add_at_50("a", a, n.conf_a);
  json failing = n.conf_b;  // fails while configuring the container, after the masquerade step began
  failing["ipam"]["routes"] = json::parse(R"([{"dst":"192.0.2.0/24","gw":"203.0.113.9"}])");
  const auto add_b = n.env.run("ADD", "b", b.path(), failing, "IP=10.0.77.50");
  CHECK_CNI_ERROR(add_b, 999);  // the kernel refuses a route via an off-link gateway
  CHECK(owners_of("10.0.77.50") == std::vector<std::string>{"nxbra:a/eth0"});
  CHECK(n.env.lease_count("net-b") == 0);
  n.route_replies();
  CHECK(seen_from(a, n.outside_a, "198.51.100.1", 9030) == "198.51.100.254");
}

TEST_CASE("bridge NAT: GC keeps the valid attachments' elements and never touches another network's" *
          doctest::skip(skip_root_tests())) {
  OverlappingNetworks n;
  ContainerNetns x, y, z;
  // IPAM of each network hands out 10.0.77.2 and .3: the same addresses in both.
  REQUIRE(n.env.run("ADD", "x", x.path(), n.conf_a).exit_code == 0);
  REQUIRE(n.env.run("ADD", "y", y.path(), n.conf_a).exit_code == 0);
  REQUIRE(n.env.run("ADD", "z", z.path(), n.conf_b).exit_code == 0);
  json gc = n.conf_a;
  gc["cniVersion"] = "1.1.0";
  gc["cni.dev/valid-attachments"] = json::parse(R"([{"containerID":"x","ifname":"eth0"}])");
  const auto r = run_plugin(nexus_bridge_path(), {.command = "GC"}, gc);
  CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK(owners_of("10.0.77.2") == std::vector<std::string>{"nxbra:x/eth0", "nxbrb:z/eth0"});
  CHECK(owners_of("10.0.77.3").empty());
  CHECK(n.env.lease_count("net-a") == 1);
  CHECK(n.env.lease_count("net-b") == 1);
  CHECK(owner_tokens_v4().size() == 2);
}

TEST_CASE("bridge NAT: nonMasqueradeCIDRs keep the container's address towards them; CHECK names a chain without "
          "them" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns c;
  connect_outside(outside);
  // The outside routes the containers' subnet back, as another cluster host would.
  REQUIRE(run_in_netns(outside, "ip route add 10.72.0.0/24 via 198.51.100.254").exit_code == 0);
  const json conf = env.config("10.72.0.0/24", {{"ipMasq", true}, {"isDefaultGateway", true},
                                                {"nonMasqueradeCIDRs", {"198.51.100.0/25", "fd00:72::/48"}}});
  const auto add = env.add_ok("c1", c, conf);
  CHECK(seen_from(c, outside, "198.51.100.1", 9040) == "10.72.0.2");  // inside 198.51.100.0/25: kept
  REQUIRE(run_in_netns(outside, "ip addr add 198.51.100.200/24 dev out-o").exit_code == 0);
  CHECK(seen_from(c, outside, "198.51.100.200", 9041) == "198.51.100.254");  // outside it: masqueraded

  json with_prev = conf;
  with_prev["prevResult"] = add.json();
  const auto check = env.run("CHECK", "c1", c.path(), with_prev);
  CHECK_MESSAGE(check.exit_code == 0, check.out, check.err);
  json other = with_prev;
  other["nonMasqueradeCIDRs"] = {"198.51.100.0/24"};
  const auto mismatch = env.run("CHECK", "c1", c.path(), other);
  CHECK(mismatch.exit_code != 0);
  CHECK_MESSAGE(mismatch.out.find("which exempts [198.51.100.0/25, fd00:72::/48], not nonMasqueradeCIDRs "
                                  "[198.51.100.0/24]") != std::string::npos,
                mismatch.out);
  CHECK(env.run("DEL", "c1", c.path(), with_prev).exit_code == 0);
  CHECK(nft_table().find("10.72.0.2") == std::string::npos);
}
