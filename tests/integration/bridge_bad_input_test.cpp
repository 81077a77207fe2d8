// Bad input to nexus-bridge: the right CNI error code, a non-zero exit, and no change of state.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

TEST_CASE("bridge: bad configuration and environment change nothing" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const json good = env.config("10.65.0.0/24");
  auto patched = [&](const json& patch) {
    json conf = good;
    conf.merge_patch(patch);
    return conf.dump();
  };
  struct Case {
    const char* what;
    std::string stdin_data;
    std::string netns;
    std::string args;
    unsigned code;
  };
  const std::string ns = c.path();
  const std::vector<Case> cases = {
      {"not JSON", "{", ns, "", 6},
      {"bridge of the wrong type", patched({{"bridge", 5}}), ns, "", 6},
      {"bridge name too long", patched({{"bridge", "a-very-long-bridge-name"}}), ns, "", 7},
      {"unsupported vlan", patched({{"vlan", 100}}), ns, "", 2},
      {"mtu out of range", patched({{"mtu", 10}}), ns, "", 7},
      {"ipam type with a slash", patched({{"ipam", {{"type", "../nexus-ipam"}}}}), ns, "", 7},
      {"unsupported version", patched({{"cniVersion", "0.2.0"}}), ns, "", 1},
      {"netns path that is not a netns", good.dump(), "/etc/passwd", "", 8},
      {"netns path missing", good.dump(), "/run/netns/does-not-exist", "", 8},
      {"invalid MAC in CNI_ARGS", good.dump(), ns, "MAC=zz:00:00:00:00:00", 4},
      {"multicast MAC in runtimeConfig", patched({{"runtimeConfig", {{"mac", "01:00:5e:00:00:01"}}}}), ns, "", 7},
      {"unknown CNI_ARGS key", good.dump(), ns, "FOO=1", 4},
  };
  for (const auto& k : cases) {
    CAPTURE(k.what);
    PluginCall call{.command = "ADD", .container_id = "c1", .netns = k.netns, .ifname = "eth0", .args = k.args};
    const auto r = run_plugin(nexus_bridge_path(), call, k.stdin_data);
    CHECK(r.exit_code == 1);
    CHECK(r.error_code() == k.code);
    CHECK(r.json()["msg"].get<std::string>().size() > 5);
  }
  CHECK(run_shell("ip -o link show nxbr0").exit_code != 0);  // not even the bridge was created
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
  CHECK(run_in_netns(c, "ip -o link show").out.find("eth0") == std::string::npos);
}
