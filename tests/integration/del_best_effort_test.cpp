// Spec 1.1: DEL is best effort. What only an ADD uses (a resolvConf to read, static address or MAC requests)
// may since have gone stale; DEL must still release everything it can and succeed, for nexus-ipam alone and
// for nexus-bridge, which delegates to it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

// A resolv.conf the config names at ADD time and that is gone by DEL time.
struct VanishingResolvConf {
  TempDir dir;
  std::string path = dir.path() + "/resolv.conf";
  VanishingResolvConf() { std::ofstream(path) << "nameserver 10.0.0.53\nsearch example.test\n"; }
  void remove() const { std::filesystem::remove(path); }
};

// The same request made stale: the static address outside every range, CNI_ARGS that no longer parse as IP/MAC.
json stale(json conf) {
  conf["runtimeConfig"] = {{"ips", {"10.99.0.9"}}, {"mac", "not-a-mac"}};
  return conf;
}
constexpr const char* kStaleArgs = "IgnoreUnknown=1;IP=banana;MAC=nope";

}  // namespace

TEST_CASE("nexus-ipam: DEL releases the lease though resolvConf is gone and the static IP no longer validates") {
  TempDir data;
  VanishingResolvConf resolv;
  const json conf = {{"cniVersion", "1.1.0"}, {"name", "testnet"}, {"type", "nexus-bridge"},
                     {"ipam", {{"type", "nexus-ipam"}, {"dataDir", data.path()}, {"resolvConf", resolv.path},
                               {"ranges", json::parse(R"([[{"subnet":"10.52.0.0/24"}]])")}}},
                     {"runtimeConfig", {{"ips", {"10.52.0.9"}}}}};
  const std::string ipam = nexus_plugin_dir() + "/nexus-ipam";
  PluginCall call{.command = "ADD", .container_id = "c1", .netns = "/run/netns/unused", .ifname = "eth0"};
  const PluginRun added = run_plugin(ipam, call, conf);
  REQUIRE_MESSAGE(added.exit_code == 0, added.out);
  CHECK(added.json()["dns"]["nameservers"] == json::array({"10.0.0.53"}));
  const std::string lease = data.path() + "/testnet/10.52.0.9";
  REQUIRE(std::filesystem::exists(lease));
  resolv.remove();
  call.args = kStaleArgs;
  call.command = "ADD";  // the stale request is refused where it matters...
  CHECK(run_plugin(ipam, call, stale(conf)).exit_code == 1);
  call.command = "DEL";  // ...and DEL does not care
  const PluginRun deleted = run_plugin(ipam, call, stale(conf));
  CHECK_MESSAGE(deleted.exit_code == 0, deleted.out);
  CHECK(deleted.out.empty());
  CHECK_FALSE(std::filesystem::exists(lease));
}

TEST_CASE("nexus-bridge: DEL removes veth and lease though resolvConf is gone and static IP and MAC are stale" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns container;
  VanishingResolvConf resolv;
  json conf = env.config("10.53.0.0/24", {{"ipam", {{"resolvConf", resolv.path}}}});
  conf["runtimeConfig"] = {{"ips", {"10.53.0.9"}}, {"mac", "02:00:00:00:53:09"}};
  const PluginRun added = env.run("ADD", "c1", container.path(), conf);
  REQUIRE_MESSAGE(added.exit_code == 0, added.out);
  REQUIRE(env.lease_count() == 1);
  REQUIRE(env.host_veths().size() == 1);
  resolv.remove();
  CHECK(env.run("ADD", "c2", container.path(), stale(conf), kStaleArgs).exit_code == 1);
  const PluginRun deleted = env.run("DEL", "c1", container.path(), stale(conf), kStaleArgs);
  CHECK_MESSAGE(deleted.exit_code == 0, deleted.out);
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
  CHECK(run_in_netns(container, "ip -o link show eth0").exit_code != 0);
}
