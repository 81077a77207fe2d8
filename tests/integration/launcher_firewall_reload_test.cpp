// Issue 12: a firewall reload (`nft flush ruleset`) takes Nexus's table while containers keep running; CHECK
// names the loss and `nexus firewall-reload` rebuilds it from libcni's result cache, for live attachments only,
// leaving other owners' objects alone. Containers are attached as a libcni runtime does (shared/runtime's
// CniRuntime, with a cache dir of the test's own); the test's host netns has a netns playing the outside world.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "shared/base/error.h"
#include "shared/nat/masquerade.h"
#include "shared/net/host_veth_name.h"
#include "shared/runtime/cni_runtime.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/command.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus;
using namespace nexus::testutil;
using nlohmann::json;

namespace {

const std::string kNexus = std::string(NEXUS_BUILD_DIR) + "/nexus";

// Containers a and b (live) and dead (whose host veth is gone) on a masqueraded network, attached through a
// libcni-style runtime that caches in `cache`.
struct ReloadWorld {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns a, b, dead;
  TempDir cache, state;
  runtime::NetworkConfigList list = runtime::parse_conflist(
      env.config("10.74.0.0/24", {{"ipMasq", true}, {"isDefaultGateway", true}}).dump(), "test");
  runtime::CniRuntime cni{{nexus_plugin_dir()}, cache.path()};

  ReloadWorld() {
    connect_outside(outside);
    // The outside answers unmasqueraded traffic too, so a lost masquerade shows as the container's own address.
    REQUIRE(run_in_netns(outside, "ip route add 10.74.0.0/24 via 198.51.100.254").exit_code == 0);
    cni.add(list, rt("a", a));
    cni.add(list, rt("b", b));
    cni.add(list, rt("dead", dead));
    REQUIRE(run_shell("ip link del " + net::host_veth_name("dead", "eth0")).exit_code == 0);
  }

  static runtime::RuntimeConf rt(const std::string& id, const ContainerNetns& ns) {
    runtime::RuntimeConf conf;
    conf.container_id = id;
    conf.netns = ns.path();
    return conf;
  }
  // The source address a TCP connection from `c` shows at the outside server ("" if none came).
  std::string seen_from(const ContainerNetns& c, int port) const {
    TcpListener server(outside.fd(), "198.51.100.1", port, 3000);
    REQUIRE(server.ready());
    tcp_exchange(c.fd(), "198.51.100.1", port, 3000);
    return server.peer();
  }
  // CHECK of `c` through the runtime: "" when it passes, else the error.
  std::string check(const std::string& id, const ContainerNetns& c) {
    try {
      cni.check(list, rt(id, c));
      return "";
    } catch (const Error& e) {
      return e.what();
    }
  }
  CommandResult reload() const {
    return run_command({kNexus, "firewall-reload", "--cache-dir", cache.path(), "--state-dir", state.path()});
  }
};

std::vector<MasqElement> sorted(std::vector<MasqElement> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const std::vector<MasqElement> kLiveElements = {{"nxbr0", "10.74.0.2", "a/eth0"}, {"nxbr0", "10.74.0.3", "b/eth0"}};

}  // namespace

TEST_CASE_FIXTURE(ReloadWorld, "firewall-reload: after nft flush ruleset, CHECK names the loss and the reload "
                               "restores the live attachments' masquerade, by owner, skipping the dead one" *
                                   doctest::skip(skip_root_tests())) {
  CHECK(seen_from(a, 9310) == "198.51.100.254");
  REQUIRE(run_shell("nft flush ruleset").exit_code == 0);
  CHECK(seen_from(a, 9311) == "10.74.0.2");  // no longer masqueraded
  const std::string lost = check("a", a);
  CHECK_MESSAGE(lost.find("ipMasq of a/eth0 on nxbr0 in network testnet: table inet nexus is missing") !=
                    std::string::npos, lost);
  // Another owner's table, made after the flush: the reload leaves it as it is.
  REQUIRE(run_shell("nft add table ip foreign && nft add chain ip foreign c && nft add rule ip foreign c counter")
              .exit_code == 0);
  const std::string foreign = inspect("nft list table ip foreign");

  const CommandResult r = reload();
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("restored a/eth0 (network testnet): masquerade of 10.74.0.2 on nxbr0\n") !=
                    std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("restored b/eth0 (network testnet): masquerade of 10.74.0.3 on nxbr0\n") !=
                    std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("skipped dead/eth0 (network testnet): not alive, host veth " +
                           net::host_veth_name("dead", "eth0") + " is gone\n") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("firewall-reload: 2 restored, 0 intact, 1 skipped, 0 failed\n") != std::string::npos,
                r.out);

  CHECK(seen_from(a, 9312) == "198.51.100.254");
  CHECK(check("a", a) == "");
  CHECK(check("b", b) == "");
  CHECK(sorted(masquerade_elements()) == kLiveElements);  // the same owners; nothing for the dead attachment
  CHECK(owner_tokens_v4() == std::multiset<std::string>{"10.74.0.2", "10.74.0.3"});
  CHECK(inspect("nft list table ip foreign") == foreign);
}

TEST_CASE_FIXTURE(ReloadWorld, "firewall-reload: with nothing lost it changes nothing, and another owner's "
                               "elements in Nexus's map stay, even on a live attachment's key" *
                                   doctest::skip(skip_root_tests())) {
  const std::string chain = nat::network_chain("testnet", {*IpPrefix::parse("10.74.0.0/24")});
  REQUIRE(run_shell("nft add table ip foreign && nft add element inet nexus bridge_masq_v4 '{ \"nxbr0\" . "
                    "10.74.0.99 comment \"other/eth0\" : jump " + chain + " }'").exit_code == 0);
  std::string before = inspect("nft list ruleset");
  CommandResult r = reload();
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("intact a/eth0 (network testnet): nothing lost\n") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("firewall-reload: nothing restored, nothing changed (2 intact, 1 skipped)\n") !=
                    std::string::npos, r.out);
  CHECK(inspect("nft list ruleset") == before);

  // b's key now holds another owner's element (its own is lost): the reload reports it and keeps it.
  REQUIRE(run_shell("nft delete element inet nexus bridge_masq_v4 '{ \"nxbr0\" . 10.74.0.3 }' && "
                    "nft add element inet nexus bridge_masq_v4 '{ \"nxbr0\" . 10.74.0.3 comment \"other/eth1\" : "
                    "jump " + chain + " }'").exit_code == 0);
  before = inspect("nft list ruleset");
  r = reload();
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("not restored b/eth0 (network testnet): another owner holds masquerade of 10.74.0.3 on "
                           "nxbr0 (other/eth1)\n") != std::string::npos, r.out);
  CHECK(inspect("nft list ruleset") == before);
  CHECK(check("b", b).find("element \"nxbr0\" . 10.74.0.3 of map bridge_masq_v4 (table inet nexus) belongs to "
                           "other/eth1") != std::string::npos);
}

TEST_CASE("firewall-reload: restores portMappings (from the cached runtimeConfig) and macspoofchk too" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  TempDir cache, state;
  json conf = env.config("10.76.0.0/24", {{"ipMasq", true}, {"macspoofchk", true}});
  conf["capabilities"] = {{"portMappings", true}};
  const runtime::NetworkConfigList list = runtime::parse_conflist(conf.dump(), "test");
  runtime::CniRuntime cni{{nexus_plugin_dir()}, cache.path()};
  runtime::RuntimeConf rt;
  rt.container_id = "c";
  rt.netns = c.path();
  rt.capability_args = {{"portMappings", {{{"hostPort", 18080}, {"containerPort", 80}, {"protocol", "tcp"}}}}};
  cni.add(list, rt);
  const auto ports = port_elements();
  const auto spoof = spoof_check_elements();
  REQUIRE(ports.size() >= 1);
  REQUIRE(spoof.size() == 1);

  REQUIRE(run_shell("nft flush ruleset").exit_code == 0);
  CHECK_THROWS_WITH_AS(cni.check(list, rt), doctest::Contains("table inet nexus is missing"), Error);
  const CommandResult r =
      run_command({kNexus, "firewall-reload", "--cache-dir", cache.path(), "--state-dir", state.path()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("restored c/eth0 (network testnet): masquerade of 10.76.0.2 on nxbr0, portMappings "
                           "18080/tcp, macspoofchk of " + net::host_veth_name("c", "eth0") + "\n") !=
                    std::string::npos, r.out);
  CHECK(port_elements() == ports);
  CHECK(spoof_check_elements() == spoof);
  CHECK_NOTHROW(cni.check(list, rt));  // CHECK covers all three
}

namespace {

// Rewrites the MAC the cached result of (`id`, eth0) records for its interface `name` (host veth or eth0).
void recache_mac(const runtime::ResultCache& cache, const std::string& id, const std::string& name) {
  auto entry = cache.load("testnet", id, "eth0");
  REQUIRE(entry);
  bool found = false;
  for (json& i : entry->result["interfaces"])
    if (i["name"] == name) i["mac"] = "02:00:00:00:0e:0e", found = true;
  REQUIRE(found);
  cache.save(*entry);
}

}  // namespace

TEST_CASE_FIXTURE(ReloadWorld, "firewall-reload: an attachment whose interfaces lost the cached MACs is not "
                               "restored" * doctest::skip(skip_root_tests())) {
  recache_mac(cni.cache(), "a", "eth0");
  recache_mac(cni.cache(), "b", net::host_veth_name("b", "eth0"));
  REQUIRE(run_shell("nft flush ruleset").exit_code == 0);
  const CommandResult r = reload();
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("skipped a/eth0 (network testnet): not alive, interface eth0 has MAC ") != std::string::npos,
                r.out);
  CHECK_MESSAGE(r.out.find("skipped b/eth0 (network testnet): not alive, host veth " + net::host_veth_name("b", "eth0") +
                           " has MAC ") != std::string::npos, r.out);
  CHECK(r.out.find(", the cache recorded 02:00:00:00:0e:0e\n") != std::string::npos);
  CHECK_MESSAGE(r.out.find("firewall-reload: nothing restored, nothing changed (0 intact, 3 skipped)\n") !=
                    std::string::npos, r.out);
  CHECK(masquerade_elements().empty());
}
