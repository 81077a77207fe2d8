// portMappings: nexus-bridge publishes host ports itself, in `table inet nexus` (shared/nat/port_publish.h).
// An "outside" netns plays another host; every address the traffic reaches is in a namespace the test made.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr const char* kHost = "198.51.100.254";  // the host's address on the outside link

// Nexus's table as nft prints it; "" when there is none.
std::string nft_table() {
  if (inspect("nft list tables").find("table inet nexus\n") == std::string::npos) return "";
  return inspect("nft list table inet nexus");
}

// A configuration publishing `mappings`, as libcni passes it to a plugin declaring the capability.
json publishing(const BridgeEnv& env, const std::string& subnet, const std::vector<json>& mappings,
                const std::string& name = "testnet",
                const std::string& bridge = "nxbr0") {
  // hairpinMode as in the default network: a container reaching itself through a published port may come back
  // through its own bridge port (bridged, with br_netfilter).
  json conf = env.config(subnet, {{"isDefaultGateway", true}, {"name", name}, {"bridge", bridge}, {"hairpinMode", true},
                                  {"capabilities", {{"portMappings", true}}}},
                         "1.1.0");
  conf["runtimeConfig"]["portMappings"] = json(mappings);
  return conf;
}

json mapping(int host_port, int container_port, const std::string& protocol = "tcp", const std::string& host_ip = "") {
  json m = {{"hostPort", host_port}, {"containerPort", container_port}, {"protocol", protocol}};
  if (!host_ip.empty()) m["hostIP"] = host_ip;
  return m;
}

// TCP from `from` (-1: the host) to address:port, answered in `server_ns` on server:port2; the peer it saw
// ("" when nothing arrived).
std::string tcp_via(int from, const std::string& address, int port, int server_ns, const std::string& server,
                    int server_port) {
  TcpListener listener(server_ns, server, server_port, 3000);
  REQUIRE(listener.ready());
  const std::string reply = tcp_exchange(from, address, port, 2000);
  const std::string peer = listener.peer();
  return reply == "nexus-ok" ? peer : "";
}
std::string udp_via(int from, const std::string& address, int port, int server_ns, const std::string& server,
                    int server_port) {
  UdpResponder responder(server_ns, server, server_port, 3000);
  REQUIRE(responder.ready());
  const std::string reply = udp_exchange(from, address, port, 2000);
  const std::string peer = responder.peer();
  return reply == "nexus-ok" ? peer : "";
}

// Rules in Nexus's table (`nft -j`: one "rule" object each).
int rule_count() {
  const json ruleset = json::parse(inspect("nft -j list table inet nexus"));
  int n = 0;
  for (const json& item : ruleset["nftables"]) n += item.contains("rule") ? 1 : 0;
  return n;
}

bool published_for(const std::string& owner, const std::string& host_side) {
  const std::string t = nft_table();
  return t.find(host_side + " comment \"" + owner + "\"") != std::string::npos;
}

}  // namespace

TEST_CASE("bridge ports: a published port is reachable from another host, the host, a neighbour and itself" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns web, other;
  connect_outside(outside);
  const json conf = publishing(env, "10.91.0.0/24", {mapping(8080, 80), mapping(5353, 53, "udp")});
  const auto add = env.run("ADD", "web", web.path(), conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
  REQUIRE(env.add_ok("other", other, publishing(env, "10.91.0.0/24", {})).exit_code == 0);

  // Another host: the container sees the caller's own address (no source translation from outside).
  CHECK(tcp_via(outside.fd(), kHost, 8080, web.fd(), "10.91.0.2", 80) == "198.51.100.1");
  CHECK(udp_via(outside.fd(), kHost, 5353, web.fd(), "10.91.0.2", 53) == "198.51.100.1");
  // The host itself: its outside address, the bridge's, and localhost (route_localnet).
  CHECK(tcp_via(-1, kHost, 8080, web.fd(), "10.91.0.2", 80) != "");
  CHECK(tcp_via(-1, "10.91.0.1", 8080, web.fd(), "10.91.0.2", 80) != "");
  CHECK(tcp_via(-1, "127.0.0.1", 8080, web.fd(), "10.91.0.2", 80) != "");
  CHECK(udp_via(-1, "127.0.0.1", 5353, web.fd(), "10.91.0.2", 53) != "");
  // A neighbour on the same bridge, through the host's address: masqueraded, so the answer comes back via the host.
  CHECK(tcp_via(other.fd(), kHost, 8080, web.fd(), "10.91.0.2", 80) == "10.91.0.1");
  CHECK(udp_via(other.fd(), kHost, 5353, web.fd(), "10.91.0.2", 53) == "10.91.0.1");
  // Hairpin: the container to itself through the host port.
  CHECK(tcp_via(web.fd(), kHost, 8080, web.fd(), "10.91.0.2", 80) == "10.91.0.1");
  CHECK(udp_via(web.fd(), kHost, 5353, web.fd(), "10.91.0.2", 53) == "10.91.0.1");

  json with_prev = conf;
  with_prev["prevResult"] = add.json();
  const auto check = env.run("CHECK", "web", web.path(), with_prev);
  CHECK_MESSAGE(check.exit_code == 0, check.out);
  REQUIRE(env.run("DEL", "web", web.path(), with_prev).exit_code == 0);
  CHECK(nft_table().find("web/eth0") == std::string::npos);
  CHECK(tcp_exchange(outside.fd(), kHost, 8080, 1000) == "");  // nothing answers there any more
}

TEST_CASE("bridge ports: a hostIP mapping answers on that address only" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns web;
  connect_outside(outside);
  REQUIRE(run_shell("ip addr add 198.51.100.253/24 dev out-h").exit_code == 0);
  env.add_ok("web", web, publishing(env, "10.92.0.0/24", {mapping(8081, 80, "tcp", kHost)}));
  CHECK(tcp_via(outside.fd(), kHost, 8081, web.fd(), "10.92.0.2", 80) == "198.51.100.1");
  CHECK(tcp_via(outside.fd(), "198.51.100.253", 8081, web.fd(), "10.92.0.2", 80) == "");
  CHECK(nft_table().find("198.51.100.254 . tcp . 8081 comment \"web/eth0\" : 10.92.0.2 . 80") != std::string::npos);
}

TEST_CASE("bridge ports: 1000 mappings cost elements, not rules" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  std::vector<std::unique_ptr<ContainerNetns>> cs;
  int rules_after_first = -1;
  for (int i = 0; i < 10; ++i) {
    std::vector<json> mappings;
    for (int p = 0; p < 100; ++p) mappings.push_back(mapping(20000 + i * 100 + p, 80, p % 2 ? "udp" : "tcp"));
    cs.push_back(std::make_unique<ContainerNetns>());
    env.add_ok("c" + std::to_string(i), *cs.back(), publishing(env, "10.93.0.0/24", mappings));
    if (i == 0) rules_after_first = rule_count();
  }
  CHECK(rules_after_first > 0);
  CHECK(rule_count() == rules_after_first);
  const json map = json::parse(inspect("nft -j list map inet nexus port_dnat_v4"));
  CHECK(map["nftables"][1]["map"]["elem"].size() == 1000);
}

TEST_CASE("bridge ports: a host port another attachment holds is refused and nothing changes" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns a, b;
  connect_outside(outside);
  env.add_ok("a", a, publishing(env, "10.94.0.0/24", {mapping(8080, 80)}));
  // The host's whole netns state (links, addresses, routes, nft, sysctls) and IPAM's data dir, every file of it
  // (leases and its last-reserved cursor): the port is refused before IPAM acts.
  const HostState before = capture_host_state({env.data.path()});
  SUBCASE("in the same network") {
    const auto add = env.run("ADD", "b", b.path(), publishing(env, "10.94.0.0/24", {mapping(9000, 90), mapping(8080, 81)}));
    CHECK_CNI_ERROR(add, 101);
    const std::string msg = add.json()["msg"].get<std::string>();
    CHECK_MESSAGE(msg.find("host port 8080/tcp is already published by a/eth0 (to 10.94.0.2:80)") != std::string::npos, msg);
  }
  SUBCASE("from another network, on another bridge") {
    const auto add = env.run("ADD", "b", b.path(), publishing(env, "10.98.0.0/24", {mapping(8080, 81)}, "othernet", "nxbr1"));
    CHECK_CNI_ERROR(add, 101);
    const std::string msg = add.json()["msg"].get<std::string>();
    CHECK_MESSAGE(msg.find("host port 8080/tcp is already published by a/eth0 (to 10.94.0.2:80)") != std::string::npos, msg);
  }
  CHECK_UNCHANGED(before, capture_host_state({env.data.path()}));
  CHECK(env.lease_count() == 1);
  CHECK(tcp_via(outside.fd(), kHost, 8080, a.fd(), "10.94.0.2", 80) == "198.51.100.1");
}

// Two ADDs racing for a port may both pass the check made before IPAM; so may an IPAM whose families are not
// known before it runs (here the reference static, which nexus-bridge does not read): the check made when
// publishing still refuses, after IPAM, and the ADD rolls back.
TEST_CASE("bridge ports: a taken port found only after IPAM is refused and rolled back" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b;
  env.add_ok("a", a, publishing(env, "10.94.0.0/24", {mapping(8080, 80)}));
  const HostState before = capture_host_state({env.data.path()});
  json conf = publishing(env, "10.94.0.0/24", {mapping(9000, 90), mapping(8080, 81)});
  conf["ipam"] = {{"type", "static"}, {"addresses", json::parse(R"([{"address":"10.94.0.9/24"}])")}};
  conf["cniVersion"] = "1.0.0";  // the newest the reference static knows
  const auto add = env.run("ADD", "b", b.path(), conf);
  CHECK_CNI_ERROR(add, 101);
  const std::string msg = add.json()["msg"].get<std::string>();
  CHECK_MESSAGE(msg.find("host port 8080/tcp is already published by a/eth0 (to 10.94.0.2:80)") != std::string::npos, msg);
  CHECK_UNCHANGED(before, capture_host_state({env.data.path()}));
  CHECK(env.host_veths().size() == 1);
}

TEST_CASE("bridge ports: DEL, GC and CHECK go by owner" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b, c;
  REQUIRE(run_shell("nft add table inet foreign && nft add map inet foreign port_dnat_v4 '{ type inet_proto . "
                    "inet_service : ipv4_addr . inet_service; elements = { tcp . 7000 comment \"a/eth0\" : 10.1.1.1 . 80 } }'")
              .exit_code == 0);
  const std::string foreign = inspect("nft list table inet foreign");
  const json conf_a = publishing(env, "10.95.0.0/24", {mapping(8080, 80)});
  const json conf_b = publishing(env, "10.95.0.0/24", {mapping(8081, 80)});
  const json conf_c = publishing(env, "10.96.0.0/24", {mapping(8082, 80)}, "othernet", "nxbr1");
  const auto add_a = env.add_ok("a", a, conf_a);
  env.add_ok("b", b, conf_b);
  env.add_ok("c", c, conf_c);
  REQUIRE(published_for("a/eth0", "tcp . 8080"));

  SUBCASE("CHECK names a mapping removed by hand") {
    json with_prev = conf_a;
    with_prev["prevResult"] = add_a.json();
    REQUIRE(env.run("CHECK", "a", a.path(), with_prev).exit_code == 0);
    REQUIRE(run_shell("nft delete element inet nexus port_dnat_v4 '{ tcp . 8080 }'").exit_code == 0);
    const auto check = env.run("CHECK", "a", a.path(), with_prev);
    CHECK_CNI_ERROR(check, 999);
    CHECK_MESSAGE(check.json()["msg"].get<std::string>().find("8080/tcp") != std::string::npos, check.out);
  }
  SUBCASE("DEL removes the attachment's mappings only, also without netns, and again") {
    json with_prev = conf_a;
    with_prev["prevResult"] = add_a.json();
    REQUIRE(env.run("DEL", "a", a.path(), with_prev).exit_code == 0);
    CHECK_FALSE(published_for("a/eth0", "tcp . 8080"));
    CHECK(published_for("b/eth0", "tcp . 8081"));
    CHECK(published_for("c/eth0", "tcp . 8082"));
    json bare = conf_a;
    bare.erase("runtimeConfig");  // no list, no netns, no prevResult: the capability says the network publishes
    CHECK(env.run("DEL", "a", "", bare).exit_code == 0);
    CHECK(env.run("DEL", "b", "", bare).exit_code == 0);
    CHECK_FALSE(published_for("b/eth0", "tcp . 8081"));
    CHECK(published_for("c/eth0", "tcp . 8082"));
  }
  SUBCASE("GC removes the mappings of attachments not in valid-attachments, in its network only") {
    json gc = conf_a;
    gc.erase("runtimeConfig");
    gc["cni.dev/valid-attachments"] = json::parse(R"([{"containerID":"b","ifname":"eth0"}])");
    const auto r = run_plugin(nexus_bridge_path(), {.command = "GC"}, gc);
    CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
    CHECK_FALSE(published_for("a/eth0", "tcp . 8080"));
    CHECK(published_for("b/eth0", "tcp . 8081"));
    CHECK(published_for("c/eth0", "tcp . 8082"));  // othernet's: not this GC's business
  }
  CHECK(inspect("nft list table inet foreign") == foreign);
}

TEST_CASE("bridge ports: a failing later step of ADD removes the mappings" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  json conf = publishing(env, "10.97.0.0/24", {mapping(8080, 80)});
  conf["ipam"]["routes"] = json::parse(R"([{"dst":"192.0.2.0/24","gw":"203.0.113.9"}])");  // cannot install
  const auto add = env.run("ADD", "c1", c.path(), conf);
  CHECK_CNI_ERROR(add, 999);
  REQUIRE(nft_table().find("port_dnat_v4") != std::string::npos);  // publishing ran before the failing step
  CHECK(nft_table().find("c1/eth0") == std::string::npos);
  CHECK(env.host_veths().empty());
}
