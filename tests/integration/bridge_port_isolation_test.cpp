// portIsolation: the host veth becomes an isolated bridge port. Two isolated ports exchange nothing, not even
// ARP; each still reaches the bridge (the host and the gateway on it). CHECK reports a port that lost the flag.
// Debian's reference bridge (1.1.1) predates portIsolation (it decodes and ignores the key), so there is no
// side-by-side comparison here.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

std::string host_veth_of(const PluginRun& add) { return add.json()["interfaces"][1]["name"]; }

/// The port's "isolated on|off" as `bridge -d link` prints it (the test fails if bridge does).
std::string isolation_of(const std::string& port) {
  const std::string out = inspect({"bridge", "-d", "link", "show", "dev", port});
  for (const char* state : {"isolated on", "isolated off"})
    if (out.find(state) != std::string::npos) return state;
  FAIL("bridge -d link shows no isolation state for " << port << ": " << out);
  return "";
}

bool pings(const ContainerNetns& from, const std::string& to) {
  return run_in_netns(from, "ping -c1 -W1 " + to).exit_code == 0;
}

}  // namespace

TEST_CASE("bridge: portIsolation isolates the host ports: containers reach the gateway and the host, not each other" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b;
  const json conf = env.config("10.93.0.0/24", {{"portIsolation", true}});
  const PluginRun add_a = env.add_ok("a", a, conf);
  const PluginRun add_b = env.add_ok("b", b, conf);
  const std::string veth_a = host_veth_of(add_a), veth_b = host_veth_of(add_b);

  CHECK(isolation_of(veth_a) == "isolated on");
  CHECK(isolation_of(veth_b) == "isolated on");
  CHECK(pings(a, "10.93.0.1"));  // the gateway, on the bridge
  CHECK(pings(b, "10.93.0.1"));
  CHECK(run_shell("ping -c1 -W1 10.93.0.2").exit_code == 0);  // the host
  CHECK(run_shell("ping -c1 -W1 10.93.0.3").exit_code == 0);
  CHECK_FALSE(pings(a, "10.93.0.3"));
  CHECK_FALSE(pings(b, "10.93.0.2"));

  const json check_a = with_prev(conf, add_a);
  const PluginRun check = env.run("CHECK", "a", a.path(), check_a);
  CHECK_MESSAGE(check.exit_code == 0, check.out);

  // Someone clears the flag: CHECK names the port; and a port that is not isolated reaches an isolated one,
  // which shows that the flag was what kept the two apart.
  inspect({"ip", "link", "set", "dev", veth_a, "type", "bridge_slave", "isolated", "off"});
  REQUIRE(isolation_of(veth_a) == "isolated off");
  const PluginRun lost = env.run("CHECK", "a", a.path(), check_a);
  CHECK_CNI_ERROR(lost, 999);
  CHECK_MESSAGE(lost.out.find("host veth " + veth_a + " on nxbr0 is not an isolated bridge port") != std::string::npos,
                lost.out);
  inspect_in(a, "ip neigh flush dev eth0");  // a's failed ARP entry for b would refuse the first ping at once
  CHECK(pings(a, "10.93.0.3"));
  CHECK(env.run("CHECK", "b", b.path(), with_prev(conf, add_b)).exit_code == 0);  // b kept its flag

  // DEL removes what the option created (the flag lives on the veth, which goes), also when repeated.
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    CHECK(env.run("DEL", "a", a.path(), check_a).exit_code == 0);
    CHECK(env.run("DEL", "b", b.path(), with_prev(conf, add_b)).exit_code == 0);
  }
  CHECK(env.host_veths().empty());
  CHECK(env.lease_count() == 0);
}

TEST_CASE("bridge: without portIsolation (absent or false) the ports are open and containers reach each other" *
          doctest::skip(skip_root_tests())) {
  for (const json& extra : {json::object(), json{{"portIsolation", false}}}) {
    CAPTURE(extra);
    BridgeEnv env;
    ContainerNetns a, b;
    const json conf = env.config("10.94.0.0/24", extra);
    const PluginRun add_a = env.add_ok("a", a, conf);
    const PluginRun add_b = env.add_ok("b", b, conf);
    CHECK(isolation_of(host_veth_of(add_a)) == "isolated off");
    CHECK(isolation_of(host_veth_of(add_b)) == "isolated off");
    CHECK(pings(a, "10.94.0.3"));
    CHECK(pings(b, "10.94.0.2"));
    CHECK(env.run("CHECK", "a", a.path(), with_prev(conf, add_a)).exit_code == 0);
    CHECK(env.run("DEL", "a", a.path(), conf).exit_code == 0);
    CHECK(env.run("DEL", "b", b.path(), conf).exit_code == 0);
  }
}
