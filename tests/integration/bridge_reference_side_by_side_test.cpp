// Side by side with Debian's reference bridge (1.1.1, with host-local): the same configuration, ADDed by each
// plugin in its own throwaway host netns, must leave the same observable kernel state for the keys both
// implement: the bridge's MTU, promiscuity and state, its port's MTU, hairpin and isolation flags, and the
// container interface's MTU and state. Names and MACs differ by design (Nexus names its veths by attachment and
// gives the bridge a stable MAC) and are not compared. With VLANs, the port's VLAN table and the bridge's
// vlan_filtering are compared too; on a kernel without bridge VLAN filtering both plugins must refuse and leave
// nothing. (macspoofchk has its side-by-side case in bridge_mac_spoof_check_test; the reference's 1.1.1
// predates portIsolation.)
#include <doctest/doctest.h>

#include <vector>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/host_skip.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/kernel_features.h"
#include "tests/testutil/root.h"
#include "tests/testutil/vlan_table.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

json link_json(const std::string& ip_json_output, const std::string& what) {
  const json links = json::parse(ip_json_output);
  REQUIRE_MESSAGE(links.size() == 1, what, ": ", ip_json_output);
  return links[0];
}

bool has_flag(const json& link, const std::string& flag) {
  for (const auto& f : link.value("flags", json::array()))
    if (f == flag) return true;
  return false;
}

// What a user can observe of one attachment: the bridge, its (only) port, and the container interface.
json observable_state(const std::string& bridge, const ContainerNetns& container) {
  const json br = link_json(inspect({"ip", "-j", "-d", "link", "show", "dev", bridge}), "bridge " + bridge);
  const json ports = json::parse(inspect({"ip", "-j", "-d", "link", "show", "master", bridge}));
  REQUIRE_MESSAGE(ports.size() == 1, "one port on ", bridge, ": ", ports.dump());
  const json& port = ports[0];
  const json port_data = port["linkinfo"].value("info_slave_data", json::object());
  const json eth0 = link_json(inspect_in(container, "ip -j -d link show dev eth0"), "container eth0");
  const std::string port_name = port["ifname"];
  return {
      {"port_vlans", vlan_table(port_name)},
      {"bridge", {{"mtu", br["mtu"]}, {"promisc", has_flag(br, "PROMISC")}, {"up", has_flag(br, "UP")},
                  {"vlan_filtering", br["linkinfo"]["info_data"].value("vlan_filtering", -1)}}},
      {"port", {{"kind", port["linkinfo"].value("info_kind", "")}, {"mtu", port["mtu"]}, {"up", has_flag(port, "UP")},
                {"hairpin", port_data.value("hairpin", false)}, {"isolated", port_data.value("isolated", false)}}},
      {"container", {{"mtu", eth0["mtu"]}, {"up", has_flag(eth0, "UP")}}},
  };
}

json side_config(const BridgeEnv& env, bool reference, const json& extra) {
  json conf = env.config("10.71.0.0/24", extra, "1.0.0");
  conf["type"] = reference ? "bridge" : "nexus-bridge";
  conf["ipam"]["type"] = reference ? "host-local" : "nexus-ipam";
  return conf;
}

std::string plugin_path(bool reference) {
  return reference ? std::string(kReferencePluginDir) + "/bridge" : nexus_bridge_path();
}

// ADD of (c1, eth0) with `extra` by the reference bridge + host-local or by nexus-bridge + nexus-ipam, each in
// its own host netns; the state read before the DEL, which must succeed too.
json state_after_add(bool reference, const json& extra) {
  BridgeEnv env;
  ContainerNetns c;
  const json conf = side_config(env, reference, extra);
  const PluginCall call{.command = "ADD", .container_id = "c1", .netns = c.path(), .ifname = "eth0"};
  const PluginRun add = run_plugin(plugin_path(reference), call, conf);
  REQUIRE_MESSAGE(add.exit_code == 0, conf["type"], ": ", add.out, add.err);
  const json state = observable_state(conf["bridge"], c);
  PluginCall del = call;
  del.command = "DEL";
  const PluginRun removed = run_plugin(plugin_path(reference), del, with_prev(conf, add));
  CHECK_MESSAGE(removed.exit_code == 0, conf["type"], ": ", removed.out, removed.err);
  return state;
}

// Debian's reference (1.1.1) knows `vlan` alone: no vlanTrunk or preserveDefaultVlan yet, and it leaves the
// bridge's default VLAN on the port, which later references remove unless preserveDefaultVlan (Nexus follows
// them). So its `vlan` is compared with Nexus's `vlan` plus preserveDefaultVlan.
struct VlanForm {
  json reference;
  json nexus;
};
const std::vector<VlanForm> kVlanForms = {
    {{{"vlan", 10}}, {{"vlan", 10}, {"preserveDefaultVlan", true}}},
    {{{"vlan", 4094}, {"isGateway", false}}, {{"vlan", 4094}, {"preserveDefaultVlan", true}, {"isGateway", false}}},
};

}  // namespace

TEST_CASE("interop: mtu, hairpinMode and promiscMode leave the kernel state the reference bridge leaves" *
          doctest::skip(skip_root_tests())) {
  struct Variant {
    json extra;
    std::string pointer;  // where in the state the option shows, so that both ignoring it cannot pass
    json expected;
  };
  const std::vector<Variant> variants = {
      {json::object(), "/container/mtu", 1500},
      {{{"mtu", 1400}}, "/port/mtu", 1400},
      {{{"mtu", 9000}}, "/bridge/mtu", 9000},
      {{{"hairpinMode", true}}, "/port/hairpin", true},
      {{{"promiscMode", true}}, "/bridge/promisc", true},
      {{{"hairpinMode", false}, {"promiscMode", false}}, "/bridge/promisc", false},
  };
  for (const Variant& v : variants) {
    CAPTURE(v.extra);
    const json reference = state_after_add(true, v.extra);
    const json nexus = state_after_add(false, v.extra);
    CHECK(reference.at(json::json_pointer(v.pointer)) == v.expected);
    CHECK_MESSAGE(nexus == reference, "reference: ", reference.dump(), "\nnexus:     ", nexus.dump());
  }
}

TEST_CASE("interop: vlan leaves the VLAN table and vlan_filtering the reference bridge leaves" *
          doctest::skip(skip_root_tests())) {
  if (!kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(kBridgeVlanFiltering);
  for (const VlanForm& form : kVlanForms) {
    CAPTURE(form.nexus);
    const json reference = state_after_add(true, form.reference);
    const json nexus = state_after_add(false, form.nexus);
    CHECK(reference["bridge"]["vlan_filtering"] == 1);
    CHECK_FALSE(reference["port_vlans"].get<std::string>().empty());
    CHECK_MESSAGE(nexus == reference, "reference: ", reference.dump(), "\nnexus:     ", nexus.dump());
  }
}

TEST_CASE("interop: without bridge VLAN filtering in the kernel, both plugins refuse vlan and leave nothing" *
          doctest::skip(skip_root_tests())) {
  if (kernel_has_bridge_vlan_filtering()) NEXUS_SKIP_WITH_KERNEL_FEATURE(kBridgeVlanFiltering);
  for (const VlanForm& form : kVlanForms) {
    for (const bool reference : {true, false}) {
      CAPTURE(form.nexus);
      CAPTURE(reference);
      BridgeEnv env;
      ContainerNetns c;
      const json conf = side_config(env, reference, reference ? form.reference : form.nexus);
      const HostState host_before = capture_host_state({env.data.path()});
      const HostState container_before = capture_netns_state(c);
      const PluginRun add = run_plugin(
          plugin_path(reference), {.command = "ADD", .container_id = "c1", .netns = c.path(), .ifname = "eth0"}, conf);
      CHECK(add.exit_code != 0);
      CHECK(add.error_code() != 0);
      CHECK_UNCHANGED(host_before, capture_host_state({env.data.path()}));
      CHECK_UNCHANGED(container_before, capture_netns_state(c));
    }
  }
}
