// Many hosts (issue 12, README "Many hosts"): a three-host cluster on one machine, running the README's
// conflist. Three host netns joined by a fabric (a bridge in the test's own netns, 192.168.100.0/24), each with
// its own nexus0 and its own pod range handed in as runtimeConfig.ipRanges, as a Kubernetes node's pod CIDR is,
// static routes to the other hosts' ranges, and an "outside" host on the fabric that plays the internet. 100
// containers per host are created at once on all three. Containers on different hosts reach each other with
// their real addresses (nonMasqueradeCIDRs names the cluster CIDR), the outside sees each host's fabric address
// (ipMasq), and DEL of all 300 at once leaves no lease, veth or masquerade element on any host.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/runtime/cni_runtime.h"
#include "shared/runtime/conflist.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_threads.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/readme.h"
#include "tests/testutil/root.h"
#include "tests/testutil/sanitized_build.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr int kHosts = 3;
constexpr int kPerHost = kSanitizedBuild ? 40 : 100;
constexpr int kNodes = kHosts * kPerHost;
constexpr const char* kClusterCidr = "10.244.0.0/16";
constexpr const char* kOutside = "192.168.100.254";
constexpr const char* kNetwork = "cluster";

std::string fabric_address(int h) { return "192.168.100." + std::to_string(h + 1); }
std::string pod_cidr(int h) { return "10.244." + std::to_string(h + 1) + ".0/24"; }

// The conflist of README.md's "Many hosts": every host of this test runs it, as the README tells a cluster to.
nexus::runtime::NetworkConfigList readme_conflist() {
  const std::string text = first_code_block(readme_section("Many hosts"), "json");
  REQUIRE_MESSAGE(!text.empty(), "README.md has no json block under \"## Many hosts\"");
  const auto list = nexus::runtime::parse_conflist(text, "README.md");
  REQUIRE(list.name == kNetwork);
  REQUIRE(list.plugins.size() == 1);
  REQUIRE(list.plugins[0].value("nonMasqueradeCIDRs", json()) == json::array({kClusterCidr}));
  return list;
}

// One machine of the cluster: its netns and its nexus-ipam dataDir (no state shared with the others).
struct Host {
  TestNetns ns{"nxh"};
  TempDir data;
};

class Cluster {
 public:
  Cluster() {
    REQUIRE(run_shell("ip link add fabric0 type bridge && ip link set fabric0 up").exit_code == 0);
    for (int h = 0; h < kHosts; ++h) join_fabric(hosts_[h].ns, "h" + std::to_string(h), fabric_address(h));
    join_fabric(outside_, "out", kOutside);  // no route to any pod range: it sees only what is masqueraded
    for (int h = 0; h < kHosts; ++h) {
      std::string setup = "sysctl -qw net.ipv4.ip_forward=1";
      for (int o = 0; o < kHosts; ++o)
        if (o != h) setup += " && ip route add " + pod_cidr(o) + " via " + fabric_address(o);
      REQUIRE(run_in_netns(hosts_[h].ns, setup).exit_code == 0);
    }
  }

  const Host& host(int h) const { return hosts_[h]; }
  const TestNetns& outside() const { return outside_; }

  // The conflist's nexus-bridge config as a runtime derives it on host h (libcni's rules): the same on every
  // host but for the node's pod range, passed as runtimeConfig.ipRanges (capability ipRanges), and the host's
  // own dataDir (the README's default is the machine's; here the hosts share one).
  json config(int h) const {
    const json ranges = {{"ipRanges", json::array({json::array({{{"subnet", pod_cidr(h)}}})})}};
    json conf = nexus::runtime::derive_request(conflist_.plugins[0], conflist_.name, conflist_.cni_version, ranges,
                                               nullptr);
    conf["ipam"]["dataDir"] = hosts_[h].data.path();
    return conf;
  }

 private:
  static void join_fabric(const TestNetns& ns, const std::string& port, const std::string& address) {
    ns.set_lo_up();
    REQUIRE(run_shell("ip link add " + port + " type veth peer name fab netns " + ns.name() + " && ip link set " +
                      port + " master fabric0 up")
                .exit_code == 0);
    REQUIRE(run_in_netns(ns, "ip addr add " + address + "/24 dev fab && ip link set fab up").exit_code == 0);
  }

  nexus::runtime::NetworkConfigList conflist_ = readme_conflist();
  HostNetns fabric_{"nxf"};  // the test's own netns, holding the fabric's bridge; entered first, left last
  std::array<Host, kHosts> hosts_;
  TestNetns outside_{"nxo"};
};

// A container: node k lives on host k / kPerHost.
struct Node {
  int host = 0;
  std::string id;
  std::unique_ptr<ContainerNetns> ns = std::make_unique<ContainerNetns>("nxc");
  PluginRun add{-1, "", ""};
  std::string address;  // without prefix length; "" until its ADD succeeded
};

std::string address_of(const PluginRun& add) {
  if (add.exit_code != 0) return "";
  const json j = json::parse(add.out, nullptr, false);
  if (j.is_discarded() || !j.contains("ips") || j["ips"].size() != 1) return "";
  const std::string a = j["ips"][0]["address"];
  return a.substr(0, a.find('/'));
}

// Runs `command` for every node at once, each on a thread inside its host; returns the runs in node order.
std::vector<PluginRun> run_everywhere(const Cluster& cluster, const std::vector<Node>& nodes,
                                      const std::string& command) {
  std::vector<PluginRun> runs(nodes.size(), PluginRun{-1, "", ""});
  run_concurrently_in(
      static_cast<int>(nodes.size()), [&](int k) -> const TestNetns& { return cluster.host(nodes[k].host).ns; },
      [&](int k) {
        const Node& n = nodes[k];
        const json conf = command == "ADD" ? cluster.config(n.host) : with_prev(cluster.config(n.host), n.add);
        const PluginCall call{.command = command, .container_id = n.id, .netns = n.ns->path(), .ifname = "eth0"};
        runs[k] = run_plugin(nexus_bridge_path(), call, conf);
      });
  return runs;
}

// The source address a TCP connection from `from` to `address` shows at a listener in `to` ("" if none came).
std::string seen_at(const TestNetns& to, const std::string& address, int port, const TestNetns& from) {
  TcpListener server(to.fd(), address, port, 3000);
  REQUIRE(server.ready());
  CHECK(tcp_exchange(from.fd(), address, port, 3000) == "nexus-ok");
  return server.peer();
}

// What Nexus left on host h: leases, container veths (nex-*), masquerade elements and owner tokens.
struct Leftovers {
  int leases = 0;
  std::vector<std::string> veths;
  size_t elements = 0;
  size_t tokens = 0;
};
Leftovers leftovers(const Cluster& cluster, int h) {
  Leftovers out;
  out.leases = lease_count(cluster.host(h).data.path(), kNetwork);
  for (const std::string& name : link_names_in(cluster.host(h).ns, "type veth"))
    if (name.starts_with("nex-")) out.veths.push_back(name);
  run_in(cluster.host(h).ns, [&] {
    out.elements = masquerade_elements().size();
    out.tokens = owner_tokens_v4().size();
  });
  return out;
}

// Every ADD succeeded with one address, unique, in its host's pod range, not the gateway.
void check_addresses(std::vector<Node>& nodes) {
  std::set<std::string> seen;
  for (Node& n : nodes) {
    n.address = address_of(n.add);
    CAPTURE(n.id);
    REQUIRE_MESSAGE(!n.address.empty(), n.add.out << n.add.err);
    CHECK_MESSAGE(seen.insert(n.address).second, "address handed out twice: " << n.address);
    const auto range = nexus::IpPrefix::parse(pod_cidr(n.host));
    CHECK(range->contains(*nexus::IpAddress::parse(n.address)));
    CHECK(n.address != range->network().next()->to_string());  // the gateway, on the host's nexus0
  }
}

}  // namespace

TEST_CASE("cluster: three hosts, 100 containers each (40 under ASan) created at once; across hosts the source is "
          "kept, the outside sees the host; DEL of all leaves nothing" *
          doctest::skip(skip_root_tests())) {  // a hang: ctest's per-case timeout, not a wall-clock bound
  const auto start = std::chrono::steady_clock::now();
  Cluster cluster;
  std::vector<Node> nodes(kNodes);
  for (int k = 0; k < kNodes; ++k) {
    nodes[k].host = k / kPerHost;
    nodes[k].id = "h" + std::to_string(k / kPerHost) + "-c" + std::to_string(k % kPerHost);
  }

  const std::vector<PluginRun> adds = run_everywhere(cluster, nodes, "ADD");
  for (int k = 0; k < kNodes; ++k) nodes[k].add = adds[k];
  check_addresses(nodes);
  for (int h = 0; h < kHosts; ++h) {
    const Leftovers now = leftovers(cluster, h);
    CHECK(now.leases == kPerHost);
    CHECK(now.veths.size() == kPerHost);
    CHECK(now.elements == kPerHost);
    CHECK(now.tokens == kPerHost);
  }
  const auto node = [&](int h, int i) -> const Node& { return nodes.at(h * kPerHost + i); };

  // Across hosts, by the routes between the pod ranges: the receiver sees the sender's own address. Ten pairs
  // spread over the hosts and containers, and one pair both ways (TCP and ping).
  int port = 9000;
  for (int p = 0; p < 10; ++p) {
    const Node& from = node(p % kHosts, (p * 37 + 3) % kPerHost);
    const Node& to = node((p + 1 + p / 5) % kHosts, (p * 53 + 11) % kPerHost);
    CAPTURE(from.id);
    CAPTURE(to.id);
    CHECK(seen_at(*to.ns, to.address, port++, *from.ns) == from.address);
  }
  const Node& a = node(0, 42 % kPerHost);
  const Node& b = node(2, 77 % kPerHost);
  CHECK(seen_at(*b.ns, b.address, port++, *a.ns) == a.address);
  CHECK(seen_at(*a.ns, a.address, port++, *b.ns) == b.address);
  CHECK(run_in_netns(*a.ns, "ping -c1 -W2 -q " + b.address).exit_code == 0);
  CHECK(run_in_netns(*b.ns, "ping -c1 -W2 -q " + a.address).exit_code == 0);

  // To the outside, which has no route to any pod range: masqueraded to the sending host's fabric address.
  for (int h = 0; h < kHosts; ++h)
    for (const int i : {0, kPerHost / 2, kPerHost - 1}) {
      CAPTURE(node(h, i).id);
      CHECK(seen_at(cluster.outside(), kOutside, port++, *node(h, i).ns) == fabric_address(h));
    }
  CHECK(run_in_netns(*node(1, 5).ns, std::string("ping -c1 -W2 -q ") + kOutside).exit_code == 0);

  // CHECK agrees on every host (the masquerade chain exempts the cluster CIDR as configured).
  for (int h = 0; h < kHosts; ++h) {
    PluginRun check{-1, "", ""};
    run_in(cluster.host(h).ns, [&] {
      const PluginCall call{.command = "CHECK", .container_id = node(h, 7).id, .netns = node(h, 7).ns->path(),
                            .ifname = "eth0"};
      check = run_plugin(nexus_bridge_path(), call, with_prev(cluster.config(h), node(h, 7).add));
    });
    CHECK_MESSAGE(check.exit_code == 0, check.out << check.err);
  }

  const std::vector<PluginRun> dels = run_everywhere(cluster, nodes, "DEL");
  for (int k = 0; k < kNodes; ++k) CHECK_MESSAGE(dels[k].exit_code == 0, nodes[k].id << ": " << dels[k].out);
  for (int h = 0; h < kHosts; ++h) {
    CAPTURE(h);
    const Leftovers left = leftovers(cluster, h);
    CHECK(left.leases == 0);
    CHECK(left.veths.empty());
    CHECK(left.elements == 0);
    CHECK(left.tokens == 0);
  }
  MESSAGE("cluster run took " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                              << " s");
}
