// ipMasq: a netns plays the outside world, reachable only through the test's host netns.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

std::string nft_table() { return run_shell("nft list table inet nexus 2>/dev/null").out; }

// The outside world: 198.51.100.1, on a link to the host netns (198.51.100.254); it has no route to containers.
void connect_outside(const TestNetns& outside) {
  REQUIRE(run_shell("ip link add out-h type veth peer name out-o netns " + outside.name()).exit_code == 0);
  REQUIRE(run_shell("ip addr add 198.51.100.254/24 dev out-h && ip link set out-h up").exit_code == 0);
  REQUIRE(run_in_netns(outside, "ip addr add 198.51.100.1/24 dev out-o && ip link set out-o up").exit_code == 0);
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
