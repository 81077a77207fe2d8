// portMappings: nexus-bridge publishes host ports itself, in `table inet nexus` (shared/nat/port_publish.h).
// An "outside" netns plays another host; every address the traffic reaches is in a namespace the test made.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <set>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/process_race.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"
#include "tests/testutil/wait.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr const char* kHost = "198.51.100.254";  // the host's address on the outside link
// What a refused ADD says about port 8080, published by attachment a/eth0 to 10.94.0.2:80.
constexpr const char* kHeldByA = "host port 8080/tcp is already published by a/eth0 (to 10.94.0.2:80)";
constexpr const char* kHost6 = "2001:db8:100::fe";  // its IPv6 one (add_outside_v6)
constexpr const char* kOutside6 = "2001:db8:100::1";

// Nexus's table as nft prints it; "" when there is none.
std::string nft_table() {
  if (inspect("nft list tables").find("table inet nexus\n") == std::string::npos) return "";
  return inspect("nft list table inet nexus");
}

// A configuration publishing `mappings`, as libcni passes it to a plugin declaring the capability.
// One range set per subnet (dual stack with two).
json publishing_sets(const BridgeEnv& env, const std::vector<std::string>& subnets, const std::vector<json>& mappings,
                     const std::string& name = "testnet", const std::string& bridge = "nxbr0") {
  // hairpinMode as in the default network: a container reaching itself through a published port may come back
  // through its own bridge port (bridged, with br_netfilter).
  json conf = env.config_sets(subnets, {{"isDefaultGateway", true}, {"name", name}, {"bridge", bridge},
                                        {"hairpinMode", true}, {"capabilities", {{"portMappings", true}}}},
                              "1.1.0");
  conf["runtimeConfig"]["portMappings"] = json(mappings);
  return conf;
}
json publishing(const BridgeEnv& env, const std::string& subnet, const std::vector<json>& mappings,
                const std::string& name = "testnet", const std::string& bridge = "nxbr0") {
  return publishing_sets(env, {subnet}, mappings, name, bridge);
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

// Links made by the first ADD (the bridge, host veths) have tentative IPv6 link-local addresses for a second or two
// (DAD). Until then the host sends the neighbour solicitation for a packet it forwards onto the bridge (one from
// another host) from the unspecified address, which a container takes for a DAD probe and does not answer: the
// first connection from the outside stalls for seconds (kernel behaviour for any IPv6 forwarded to a new bridge,
// not port publishing's; a bridge of some age is past it). And a snapshot of the host's addresses taken meanwhile
// differs from a later one by the flag alone.
void wait_dad_done() {
  REQUIRE_MESSAGE(wait_until([] { return run_shell("ip -6 addr show tentative").out.empty(); }),
                  "DAD on the host's links did not finish");
}

bool published_for(const std::string& owner, const std::string& host_side) {
  const std::string t = nft_table();
  return t.find(host_side + " comment \"" + owner + "\"") != std::string::npos;
}

// CHECK passes with the ADD's result, DEL removes the container's elements, and `host`:8080 answers no more.
void check_then_delete(BridgeEnv& env, const json& conf, const PluginRun& add, const ContainerNetns& web,
                       const TestNetns& outside, const std::string& host) {
  json with_prev = conf;
  with_prev["prevResult"] = add.json();
  const auto check = env.run("CHECK", "web", web.path(), with_prev);
  CHECK_MESSAGE(check.exit_code == 0, check.out);
  REQUIRE(env.run("DEL", "web", web.path(), with_prev).exit_code == 0);
  CHECK(nft_table().find("web/eth0") == std::string::npos);
  CHECK(tcp_exchange(outside.fd(), host, 8080, 1000) == "");  // nothing answers there any more
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

  check_then_delete(env, conf, add, web, outside, kHost);
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
  wait_dad_done();
  // The host's whole netns state (links, addresses, routes, nft, sysctls) and IPAM's data dir, every file of it
  // (leases and its last-reserved cursor): the port is refused before IPAM acts.
  const HostState before = capture_host_state({env.data.path()});
  SUBCASE("in the same network") {
    const auto add =
        env.run("ADD", "b", b.path(), publishing(env, "10.94.0.0/24", {mapping(9000, 90), mapping(8080, 81)}));
    CHECK_CNI_ERROR(add, 101);
    const std::string msg = add.json()["msg"].get<std::string>();
    CHECK_MESSAGE(msg.find(kHeldByA) != std::string::npos, msg);
  }
  SUBCASE("from another network, on another bridge") {
    const auto add =
        env.run("ADD", "b", b.path(), publishing(env, "10.98.0.0/24", {mapping(8080, 81)}, "othernet", "nxbr1"));
    CHECK_CNI_ERROR(add, 101);
    const std::string msg = add.json()["msg"].get<std::string>();
    CHECK_MESSAGE(msg.find(kHeldByA) != std::string::npos, msg);
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
  wait_dad_done();
  const HostState before = capture_host_state({env.data.path()});
  json conf = publishing(env, "10.94.0.0/24", {mapping(9000, 90), mapping(8080, 81)});
  conf["ipam"] = {{"type", "static"}, {"addresses", json::parse(R"([{"address":"10.94.0.9/24"}])")}};
  conf["cniVersion"] = "1.0.0";  // the newest the reference static knows
  const auto add = env.run("ADD", "b", b.path(), conf);
  CHECK_CNI_ERROR(add, 101);
  const std::string msg = add.json()["msg"].get<std::string>();
  CHECK_MESSAGE(msg.find(kHeldByA) != std::string::npos, msg);
  CHECK_UNCHANGED(before, capture_host_state({env.data.path()}));
  CHECK(env.host_veths().size() == 1);
}

// ADDs racing for one host port all pass the check made before IPAM (nothing is published yet); the kernel then
// lets one publish it, and the others are refused after IPAM and roll back.
TEST_CASE("bridge ports: ADDs racing for one host port: one publishes it, the others roll back" *
          doctest::skip(skip_root_tests())) {
  constexpr int kRacers = 4;
  BridgeEnv env;
  TempDir outcomes;
  std::vector<std::unique_ptr<ContainerNetns>> ns;
  for (int i = 0; i < kRacers; ++i) ns.push_back(std::make_unique<ContainerNetns>());
  env.add_ok("first", *ns[0], publishing(env, "10.99.0.0/24", {}));  // the bridge exists: the racers plug at once
  race_children(kRacers - 1, [&](int i) {
    const auto r = env.run("ADD", "r" + std::to_string(i), ns[i + 1]->path(),
                           publishing(env, "10.99.0.0/24", {mapping(8080, 80 + i)}));
    const json j = json::parse(r.out, nullptr, false);
    const std::string outcome = r.exit_code == 0 ? "ok" : j.is_object() ? std::to_string(j.value("code", 0)) : r.out;
    std::ofstream(outcomes.path() + "/" + std::to_string(i)) << outcome;
    return 0;
  });
  std::multiset<std::string> seen;
  std::string winner;
  for (int i = 0; i < kRacers - 1; ++i) {
    seen.insert(read_file(outcomes.path() + "/" + std::to_string(i)));
    if (read_file(outcomes.path() + "/" + std::to_string(i)) == "ok") winner = "r" + std::to_string(i);
  }
  CHECK(seen == std::multiset<std::string>{"ok", "101", "101"});
  CHECK(env.lease_count() == 2);
  CHECK(env.host_veths().size() == 2);
  const std::string table = nft_table();
  CHECK(table.find("tcp . 8080 comment \"" + winner + "/eth0\"") != std::string::npos);
  CHECK(table.find("tcp . 8080 comment") == table.rfind("tcp . 8080 comment"));  // one element for the port
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

// IPv6: the same paths as IPv4 above, to the host's IPv6 address. No localhost: IPv6 has no route_localnet, so
// [::1] cannot be published (as with the reference portmap); a host service on [::1] keeps its port.
TEST_CASE("bridge ports: IPv6, a published port is reachable from another host, the host, a neighbour and itself" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns web, other;
  connect_outside(outside);
  add_outside_v6(outside);
  const json conf = publishing(env, "fd00:91::/64", {mapping(8080, 80), mapping(5353, 53, "udp")});
  const auto add = env.add_ok("web", web, conf);
  const std::string web6 = add.json()["ips"][0]["address"].get<std::string>();
  const std::string web_addr = web6.substr(0, web6.find('/'));
  REQUIRE(web_addr.starts_with("fd00:91::"));
  const std::string gateway = add.json()["ips"][0]["gateway"];
  env.add_ok("other", other, publishing(env, "fd00:91::/64", {}));
  wait_dad_done();

  CHECK(tcp_via(outside.fd(), kHost6, 8080, web.fd(), web_addr, 80) == kOutside6);
  CHECK(udp_via(outside.fd(), kHost6, 5353, web.fd(), web_addr, 53) == kOutside6);
  // The host itself, to its outside address and to the bridge's.
  CHECK(tcp_via(-1, kHost6, 8080, web.fd(), web_addr, 80) != "");
  CHECK(udp_via(-1, kHost6, 5353, web.fd(), web_addr, 53) != "");
  CHECK(tcp_via(-1, gateway, 8080, web.fd(), web_addr, 80) != "");
  // A neighbour, and the container itself (hairpin): masqueraded to the gateway.
  CHECK(tcp_via(other.fd(), kHost6, 8080, web.fd(), web_addr, 80) == gateway);
  CHECK(udp_via(other.fd(), kHost6, 5353, web.fd(), web_addr, 53) == gateway);
  CHECK(tcp_via(web.fd(), kHost6, 8080, web.fd(), web_addr, 80) == gateway);
  CHECK(udp_via(web.fd(), kHost6, 5353, web.fd(), web_addr, 53) == gateway);
  // [::1]: not published; the host's own listener there still gets its connections.
  {
    TcpListener container_side(web.fd(), web_addr, 80, 1500);
    REQUIRE(container_side.ready());
    CHECK(tcp_via(-1, "::1", 8080, -1, "::1", 8080) == "::1");
    CHECK(container_side.peer() == "");
  }
  check_then_delete(env, conf, add, web, outside, kHost6);
}

TEST_CASE("bridge ports: dual stack publishes each port for both families" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns web, other;
  connect_outside(outside);
  add_outside_v6(outside);
  const json conf =
      publishing_sets(env, {"10.91.0.0/24", "fd00:91::/64"}, {mapping(8080, 80), mapping(5353, 53, "udp")});
  const auto add = env.add_ok("web", web, conf);
  REQUIRE(add.json()["ips"].size() == 2);
  env.add_ok("other", other, publishing_sets(env, {"10.91.0.0/24", "fd00:91::/64"}, {}));
  wait_dad_done();
  CHECK(tcp_via(outside.fd(), kHost, 8080, web.fd(), "10.91.0.2", 80) == "198.51.100.1");
  CHECK(tcp_via(outside.fd(), kHost6, 8080, web.fd(), "fd00:91::2", 80) == kOutside6);
  CHECK(udp_via(outside.fd(), kHost6, 5353, web.fd(), "fd00:91::2", 53) == kOutside6);
  CHECK(tcp_via(-1, kHost6, 8080, web.fd(), "fd00:91::2", 80) != "");
  CHECK(tcp_via(-1, "127.0.0.1", 8080, web.fd(), "10.91.0.2", 80) != "");
  CHECK(tcp_via(other.fd(), kHost6, 8080, web.fd(), "fd00:91::2", 80) == "fd00:91::1");
  CHECK(tcp_via(web.fd(), kHost6, 8080, web.fd(), "fd00:91::2", 80) == "fd00:91::1");
  CHECK(tcp_via(web.fd(), kHost, 8080, web.fd(), "10.91.0.2", 80) == "10.91.0.1");
  // The other family's port is another key: a v6-only attachment elsewhere holds 9090 for IPv6 only.
  ContainerNetns v6only;
  env.add_ok("v6only", v6only, publishing(env, "fd00:92::/64", {mapping(9090, 90)}, "net6", "nxbr1"));
  wait_dad_done();
  ContainerNetns web2;
  const auto clash = env.run("ADD", "web2", web2.path(), publishing_sets(env, {"10.91.0.0/24", "fd00:91::/64"},
                                                                        {mapping(9090, 91)}));
  CHECK_CNI_ERROR(clash, 101);
  CHECK_MESSAGE(clash.json()["msg"].get<std::string>().find("9090/tcp is already published by v6only/eth0") !=
                    std::string::npos, clash.out);
  ContainerNetns v4only;
  env.add_ok("v4only", v4only, publishing(env, "10.93.0.0/24", {mapping(9090, 90)}, "net4", "nxbr2"));
  CHECK(tcp_via(outside.fd(), kHost, 9090, v4only.fd(), "10.93.0.2", 90) == "198.51.100.1");
  CHECK(tcp_via(outside.fd(), kHost6, 9090, v6only.fd(), "fd00:92::2", 90) == kOutside6);
}

TEST_CASE("bridge ports: an IPv6 hostIP mapping answers on that address only; [::1] publishes nothing" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns web;
  connect_outside(outside);
  add_outside_v6(outside);
  REQUIRE(run_shell("ip addr add 2001:db8:100::fd/64 dev out-h nodad").exit_code == 0);
  env.add_ok("web", web, publishing_sets(env, {"10.92.0.0/24", "fd00:92::/64"},
                                         {mapping(8081, 80, "tcp", kHost6), mapping(8082, 80, "tcp", "::1")}));
  wait_dad_done();
  CHECK(tcp_via(outside.fd(), kHost6, 8081, web.fd(), "fd00:92::2", 80) == kOutside6);
  CHECK(tcp_via(outside.fd(), "2001:db8:100::fd", 8081, web.fd(), "fd00:92::2", 80) == "");
  CHECK(tcp_via(outside.fd(), kHost, 8081, web.fd(), "10.92.0.2", 80) == "");  // an IPv6 hostIP: IPv6 only
  CHECK(nft_table().find("2001:db8:100::fe . tcp . 8081 comment \"web/eth0\" : fd00:92::2 . 80") != std::string::npos);
  // [::1]: accepted, as the reference does, but nothing to publish; a host service there keeps the port.
  CHECK(nft_table().find("8082") == std::string::npos);
  TcpListener container_side(web.fd(), "fd00:92::2", 80, 1500);
  REQUIRE(container_side.ready());
  CHECK(tcp_via(-1, "::1", 8082, -1, "::1", 8082) == "::1");
  CHECK(container_side.peer() == "");
}
