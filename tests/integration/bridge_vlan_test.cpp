// vlan, vlanTrunk, preserveDefaultVlan: 802.1Q VLANs on the bridge's host ports (the kernel's bridge VLAN
// filtering, CONFIG_BRIDGE_VLAN_FILTERING). Traffic: access ports on one VLAN reach each other and not another
// VLAN's; a trunk carries its VLANs tagged. Kernel state: the bridge's VLAN table (`bridge -j vlan show`), its
// vlan_filtering. CHECK reports a VLAN taken off a port; DEL removes the ports (and so their VLAN entries).
// Those cases need the feature: each probes for it in its throwaway netns first and, on a kernel built without it
// (this project's CI), skips loudly with NEXUS_SKIP_WITHOUT_KERNEL_FEATURE. The last case is the mirror image:
// on such a kernel ADD fails with code 100 and changes nothing, and DEL still works.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/host_skip.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/kernel_features.h"
#include "tests/testutil/root.h"
#include "tests/testutil/vlan_table.h"
#include "tests/testutil/wait.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

std::string host_veth_of(const PluginRun& add) { return add.json()["interfaces"][1]["name"]; }

/// The container's first address without its prefix length.
std::string address_of(const PluginRun& add) {
  const std::string cidr = add.json()["ips"][0]["address"];
  return cidr.substr(0, cidr.find('/'));
}

bool pings(const ContainerNetns& from, const std::string& to) {
  return run_in_netns(from, "ping -c1 -W1 " + to).exit_code == 0;
}

/// Names of the ports in the whole VLAN table (`bridge -j vlan show`).
std::vector<std::string> ports_with_vlans() {
  std::vector<std::string> names;
  for (const json& dev : json::parse(inspect({"bridge", "-j", "vlan", "show"}))) names.push_back(dev.value("ifname", ""));
  return names;
}

}  // namespace

TEST_CASE("bridge vlan: access ports: two containers on VLAN 10 reach each other, not one on VLAN 20; CHECK; DEL" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  if (!kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(kBridgeVlanFiltering);
  ContainerNetns a, b, c;
  // One subnet and no gateway for all three: only the VLANs can keep c apart.
  const json on10 = env.config("10.95.0.0/24", {{"isGateway", false}, {"vlan", 10}});
  const json on20 = env.config("10.95.0.0/24", {{"isGateway", false}, {"vlan", 20}});
  const PluginRun add_a = env.add_ok("a", a, on10);
  const PluginRun add_b = env.add_ok("b", b, on10);
  const PluginRun add_c = env.add_ok("c", c, on20);

  // Kernel state: the bridge filters; each port is an access port of its VLAN only (the default VLAN 1 removed).
  CHECK(vlan_filtering_of("nxbr0") == 1);
  CHECK(vlan_table(host_veth_of(add_a)) == "10 PVID Egress Untagged");
  CHECK(vlan_table(host_veth_of(add_b)) == "10 PVID Egress Untagged");
  CHECK(vlan_table(host_veth_of(add_c)) == "20 PVID Egress Untagged");

  // Traffic.
  CHECK(pings(a, address_of(add_b)));
  CHECK(pings(b, address_of(add_a)));
  CHECK_FALSE(pings(a, address_of(add_c)));
  CHECK_FALSE(pings(c, address_of(add_b)));

  // CHECK passes, then names the VLAN someone took off the port.
  const json check_a = with_prev(on10, add_a);
  const PluginRun ok = env.run("CHECK", "a", a.path(), check_a);
  CHECK_MESSAGE(ok.exit_code == 0, ok.out);
  inspect({"bridge", "vlan", "del", "dev", host_veth_of(add_a), "vid", "10"});
  const PluginRun lost = env.run("CHECK", "a", a.path(), check_a);
  CHECK_CNI_ERROR(lost, 999);
  CHECK_MESSAGE(lost.out.find("VLAN 10 is missing on host veth " + host_veth_of(add_a)) != std::string::npos,
                lost.out);
  CHECK(env.run("CHECK", "c", c.path(), with_prev(on20, add_c)).exit_code == 0);

  // DEL: with the netns, without it, and again; the ports and their VLAN entries go.
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    CHECK(env.run("DEL", "a", a.path(), check_a).exit_code == 0);
    CHECK(env.run("DEL", "b", "", on10).exit_code == 0);
    CHECK(env.run("DEL", "c", c.path(), on20).exit_code == 0);
  }
  CHECK(env.host_veths().empty());
  for (const std::string& port : ports_with_vlans()) CHECK_FALSE(port.starts_with("nex-"));
  CHECK(env.lease_count() == 0);
}

TEST_CASE("bridge vlan: a trunk port carries VLANs 10 and 20 tagged to access ports on each, and not VLAN 30" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  if (!kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(kBridgeVlanFiltering);
  if (!kernel_has_8021q()) NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(kVlan8021q);  // the trunk container's eth0.10
  ContainerNetns t, a10, a20;
  const json net10 = env.config("10.97.10.0/24", {{"name", "net10"}, {"isGateway", false}, {"vlan", 10}});
  const json net20 = env.config("10.97.20.0/24", {{"name", "net20"}, {"isGateway", false}, {"vlan", 20}});
  const json trunk = env.config("10.97.1.0/24", {{"name", "trunk"}, {"isGateway", false},
                                                 {"vlanTrunk", json::parse(R"([{"id":10},{"id":20}])")}});
  const PluginRun add_t = env.add_ok("t", t, trunk);
  const PluginRun add_10 = env.add_ok("a10", a10, net10);
  const PluginRun add_20 = env.add_ok("a20", a20, net20);
  // Native VLAN 1 untagged (the reference's default without `vlan`), 10 and 20 tagged.
  CHECK(vlan_table(host_veth_of(add_t)) == "1 PVID Egress Untagged, 10, 20");

  // Frames tagged 30 are not the trunk's: the bridge drops them.
  inspect_in(t, "ip link add link eth0 name eth0.30 type vlan id 30 && ip addr add 10.97.10.200/24 dev eth0.30 && "
                "ip link set eth0.30 up");
  CHECK_FALSE(pings(t, address_of(add_10)));
  // Tagged 10 and 20, they reach the access ports of those VLANs, which see them untagged.
  inspect_in(t, "ip link del eth0.30 && "
                "ip link add link eth0 name eth0.10 type vlan id 10 && ip addr add 10.97.10.200/24 dev eth0.10 && "
                "ip link set eth0.10 up && "
                "ip link add link eth0 name eth0.20 type vlan id 20 && ip addr add 10.97.20.200/24 dev eth0.20 && "
                "ip link set eth0.20 up");
  CHECK(pings(t, address_of(add_10)));
  CHECK(pings(t, address_of(add_20)));
  CHECK(pings(a10, "10.97.10.200"));
  CHECK(pings(a20, "10.97.20.200"));
  CHECK(env.run("CHECK", "t", t.path(), with_prev(trunk, add_t)).exit_code == 0);

  CHECK(env.run("DEL", "t", t.path(), trunk).exit_code == 0);
  CHECK(env.run("DEL", "a10", a10.path(), net10).exit_code == 0);
  CHECK(env.run("DEL", "a20", "", net20).exit_code == 0);
  CHECK(env.host_veths().empty());
}

TEST_CASE("bridge vlan: the VLAN table of each form: trunk ranges and ids with a native VLAN, preserveDefaultVlan, "
          "native VLAN 1; vlan_filtering turned on for an existing bridge" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  if (!kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(kBridgeVlanFiltering);
  REQUIRE(run_shell("ip link add nxbr0 type bridge && ip link set nxbr0 up").exit_code == 0);
  REQUIRE(vlan_filtering_of("nxbr0") == 0);
  ContainerNetns r, p, n;
  const json ranges = env.config("10.99.0.0/24", {{"isGateway", false}, {"vlan", 5},
                                                  {"vlanTrunk", json::parse(R"([{"minID":100,"maxID":4094},{"id":10}])")}});
  const json preserve = env.config("10.99.0.0/24", {{"isGateway", false}, {"vlan", 10}, {"preserveDefaultVlan", true}});
  const json native = env.config("10.99.0.0/24", {{"isGateway", false}, {"vlanTrunk", json::parse(R"([{"id":20}])")}});
  const PluginRun add_r = env.add_ok("r", r, ranges);
  CHECK(vlan_filtering_of("nxbr0") == 1);
  const PluginRun add_p = env.add_ok("p", p, preserve);
  const PluginRun add_n = env.add_ok("n", n, native);
  CHECK(vlan_table(host_veth_of(add_r)) == "5 PVID Egress Untagged, 10, 100-4094");
  // The default VLAN stays (untagged); the port's pvid is the access VLAN.
  CHECK(vlan_table(host_veth_of(add_p)) == "1 Egress Untagged, 10 PVID Egress Untagged");
  CHECK(vlan_table(host_veth_of(add_n)) == "1 PVID Egress Untagged, 20");
  CHECK(env.run("CHECK", "r", r.path(), with_prev(ranges, add_r)).exit_code == 0);
  CHECK(env.run("CHECK", "p", p.path(), with_prev(preserve, add_p)).exit_code == 0);
  CHECK(env.run("CHECK", "n", n.path(), with_prev(native, add_n)).exit_code == 0);
  // One VLAN in the middle of the range gone: CHECK names it.
  inspect({"bridge", "vlan", "del", "dev", host_veth_of(add_r), "vid", "2000"});
  const PluginRun lost = env.run("CHECK", "r", r.path(), with_prev(ranges, add_r));
  CHECK_CNI_ERROR(lost, 999);
  CHECK_MESSAGE(lost.out.find("VLAN 2000 is missing") != std::string::npos, lost.out);

  CHECK(env.run("DEL", "r", r.path(), ranges).exit_code == 0);
  CHECK(env.run("DEL", "p", p.path(), preserve).exit_code == 0);
  CHECK(env.run("DEL", "n", n.path(), native).exit_code == 0);
  CHECK(env.host_veths().empty());
  CHECK(env.lease_count() == 0);
}

TEST_CASE("bridge vlan: isGateway with vlan puts the gateway on <bridge>.<vlan>, an access port of the VLAN" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  if (!kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(kBridgeVlanFiltering);
  ContainerNetns a, b;
  const json conf = env.config("10.98.0.0/24", {{"vlan", 10}, {"isDefaultGateway", true}});
  const PluginRun add_a = env.add_ok("a", a, conf);
  const PluginRun add_b = env.add_ok("b", b, conf);
  // The result lists the gateway interface after the container's, as the reference does.
  const json interfaces = add_a.json()["interfaces"];
  REQUIRE(interfaces.size() == 4u);
  CHECK(interfaces[3]["name"] == "nxbr0.10");
  CHECK(add_b.json()["interfaces"][3]["mac"] == interfaces[3]["mac"]);  // one interface, shared

  CHECK(inspect("ip -o addr show dev nxbr0.10").find("10.98.0.1/24") != std::string::npos);
  CHECK(inspect("ip -o addr show dev nxbr0").find("10.98.0.1") == std::string::npos);
  // Its peer is the bridge port, on VLAN 10 only.
  const auto ports = ports_with_vlans();
  const auto gateway_port = std::find_if(ports.begin(), ports.end(), [](const auto& p) { return p.starts_with("nexv-"); });
  REQUIRE(gateway_port != ports.end());
  CHECK(vlan_table(*gateway_port) == "10 PVID Egress Untagged");

  CHECK(pings(a, "10.98.0.1"));
  CHECK(pings(b, "10.98.0.1"));
  CHECK(pings(a, address_of(add_b)));
  CHECK(env.run("CHECK", "a", a.path(), with_prev(conf, add_a)).exit_code == 0);

  // DEL leaves the gateway pair, like the bridge: the network's next container uses it.
  CHECK(env.run("DEL", "a", a.path(), conf).exit_code == 0);
  CHECK(env.run("DEL", "b", b.path(), conf).exit_code == 0);
  std::vector<std::string> left = env.host_veths();
  std::vector<std::string> pair = {"nxbr0.10", *gateway_port};
  std::sort(left.begin(), left.end());
  std::sort(pair.begin(), pair.end());
  CHECK(left == pair);
  CHECK(env.lease_count() == 0);
}

TEST_CASE("bridge vlan: on a kernel without bridge VLAN filtering, ADD fails with code 100 and changes nothing; "
          "DEL works" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  if (kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITH_KERNEL_FEATURE(kBridgeVlanFiltering);
  ContainerNetns c, old;
  const std::vector<json> vlan_configs = {
      env.config("10.91.0.0/24", {{"vlan", 10}}),
      env.config("10.91.0.0/24", {{"vlanTrunk", json::parse(R"([{"id":10},{"minID":20,"maxID":30}])")}}),
      env.config("10.91.0.0/24", {{"vlan", 10}, {"isGateway", true}, {"ipMasq", true}}),
  };
  const auto refused_without_change = [&](const json& conf) {
    CAPTURE(conf);
    const HostState host_before = capture_host_state({env.data.path()});
    const HostState container_before = capture_netns_state(c);
    const PluginRun add = env.run("ADD", "c1", c.path(), conf);
    CHECK_CNI_ERROR(add, 100);
    const std::string msg = add.json().value("msg", "");
    CHECK_MESSAGE(msg.find("bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)") != std::string::npos, msg);
    MESSAGE("ADD on this kernel: " << add.out);
    CHECK_UNCHANGED(host_before, capture_host_state({env.data.path()}));
    CHECK_UNCHANGED(container_before, capture_netns_state(c));
  };

  // No bridge yet: refused before IPAM runs (no lease dir, no bridge).
  for (const json& conf : vlan_configs) refused_without_change(conf);
  CHECK_FALSE(has_link("nxbr0"));

  // An existing bridge with a container on it: refused, the bridge and the container left as they are.
  const json plain = env.config("10.91.0.0/24");
  const PluginRun add_old = env.add_ok("old", old, plain);
  // The kernel finishes IPv6 duplicate address detection on the new links (the bridge, the veth) in its own
  // time, changing their flags and routes: let it settle, so the snapshots compare only what ADD does.
  const auto settled = [&] {
    return inspect(std::vector<std::string>{"ip", "addr"}).find("tentative") == std::string::npos &&
           inspect_in(old, "ip addr").find("tentative") == std::string::npos;
  };
  REQUIRE(wait_until(settled));
  for (const json& conf : vlan_configs) refused_without_change(conf);
  CHECK(pings(old, "10.91.0.1"));

  // DEL with a VLAN configuration needs no VLAN support: with and without the netns, repeated.
  for (int round = 0; round < 2; ++round)
    for (const json& conf : vlan_configs) {
      CAPTURE(round);
      CHECK(env.run("DEL", "c1", c.path(), conf).exit_code == 0);
      CHECK(env.run("DEL", "c1", "", conf).exit_code == 0);
    }
  CHECK(env.run("DEL", "old", old.path(), with_prev(plain, add_old)).exit_code == 0);
  CHECK(env.host_veths().empty());
  CHECK(env.lease_count() == 0);
}
