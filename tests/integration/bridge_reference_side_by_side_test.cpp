// Side by side with Debian's reference bridge (1.1.1, with host-local): the same configuration, ADDed by each
// plugin in its own throwaway host netns, must leave the same observable kernel state for the keys both
// implement: the bridge's MTU, promiscuity and state, its port's MTU, hairpin and isolation flags, and the
// container interface's MTU and state. Names and MACs differ by design (Nexus names its veths by attachment and
// gives the bridge a stable MAC) and are not compared. (VLANs and macspoofchk have side-by-side cases of their
// own; the reference's 1.1.1 predates portIsolation.)
#include <doctest/doctest.h>

#include <vector>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/root.h"

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
  return {
      {"bridge", {{"mtu", br["mtu"]}, {"promisc", has_flag(br, "PROMISC")}, {"up", has_flag(br, "UP")},
                  {"vlan_filtering", br["linkinfo"]["info_data"].value("vlan_filtering", -1)}}},
      {"port", {{"kind", port["linkinfo"].value("info_kind", "")}, {"mtu", port["mtu"]}, {"up", has_flag(port, "UP")},
                {"hairpin", port_data.value("hairpin", false)}, {"isolated", port_data.value("isolated", false)}}},
      {"container", {{"mtu", eth0["mtu"]}, {"up", has_flag(eth0, "UP")}}},
  };
}

// ADD of (c1, eth0) with `extra` by the reference bridge + host-local or by nexus-bridge + nexus-ipam, each in
// its own host netns; the state read before the DEL, which must succeed too.
json state_after_add(bool reference, const json& extra) {
  BridgeEnv env;
  ContainerNetns c;
  json conf = env.config("10.71.0.0/24", extra, "1.0.0");
  conf["type"] = reference ? "bridge" : "nexus-bridge";
  conf["ipam"]["type"] = reference ? "host-local" : "nexus-ipam";
  const std::string path = reference ? std::string(kReferencePluginDir) + "/bridge" : nexus_bridge_path();
  const PluginCall call{.command = "ADD", .container_id = "c1", .netns = c.path(), .ifname = "eth0"};
  const PluginRun add = run_plugin(path, call, conf);
  REQUIRE_MESSAGE(add.exit_code == 0, conf["type"], ": ", add.out, add.err);
  const json state = observable_state(conf["bridge"], c);
  PluginCall del = call;
  del.command = "DEL";
  const PluginRun removed = run_plugin(path, del, with_prev(conf, add));
  CHECK_MESSAGE(removed.exit_code == 0, conf["type"], ": ", removed.out, removed.err);
  return state;
}

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
