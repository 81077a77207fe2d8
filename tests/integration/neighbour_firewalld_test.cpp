// Issue 12, other firewalls on the same host: firewalld 1.3 (nftables backend), really running in the test's
// host netns on a bus of its own (tests/testutil/firewalld_daemon.h). Its forward chain rejects what a bridge in
// no zone forwards; Nexus does not change another firewall's rules, so ADD refuses before changing anything and
// names firewalld and the firewall-cmd commands that bind the bridge to a zone that forwards it. With the bridge
// in such a zone, the container reaches the outside masqueraded and firewalld's table is never written by Nexus.
#include <doctest/doctest.h>

#include <string>

#include "shared/nat/nft_batch.h"
#include "shared/neighbours/firewalld.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/firewalld_daemon.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus;
using namespace nexus::testutil;
using nlohmann::json;

namespace {

// A host with firewalld, its default zone `public`, an outside world behind out-h (the default route, as an
// uplink is) and one container. Members are destroyed in reverse: firewalld stops before its netns goes.
struct FirewalldWorld {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns c;
  json conf = env.config("10.78.0.0/24", {{"ipMasq", true}, {"isDefaultGateway", true}});
  FirewalldDaemon firewalld;

  FirewalldWorld() {
    connect_outside(outside);
    REQUIRE(run_shell("ip route add default via 198.51.100.1").exit_code == 0);
    const std::string listed = tables();  // not in the message: doctest would run inspect() while reporting
    REQUIRE_MESSAGE(listed.find("table inet firewalld\n") != std::string::npos, listed);
  }

  static std::string tables() { return inspect("nft list tables"); }
  static std::string firewalld_table() { return inspect("nft list table inet firewalld"); }
  // The source address a TCP connection from the container shows at the outside server ("" if none came).
  std::string seen_from(int port) const {
    TcpListener server(outside.fd(), "198.51.100.1", port, 3000);
    REQUIRE(server.ready());
    tcp_exchange(c.fd(), "198.51.100.1", port, 3000);
    return server.peer();
  }
};

const std::string kFix = neighbours::firewalld_fix("nxbr0");

}  // namespace

TEST_CASE_FIXTURE(FirewalldWorld, "firewalld: ADD refuses with code 102 naming the fix and changes nothing; after "
                                  "the fix it masquerades through firewalld, whose table Nexus never writes, and "
                                  "the last DEL leaves no element" * doctest::skip(skip_root_tests())) {
  // (a) The bridge would fall in the default zone, whose forward chain rejects: refused before any change.
  const HostState host_before = capture_host_state({env.data.path()});
  const HostState container_before = capture_netns_state(c);
  const PluginRun refused = env.run("ADD", "c", c.path(), conf);
  REQUIRE_CNI_ERROR(refused, 102);
  const std::string msg = refused.json().value("msg", "");
  CHECK_MESSAGE(msg.find("firewalld rejects the traffic the host forwards from bridge nxbr0 in zone public") !=
                    std::string::npos, msg);
  CHECK_MESSAGE(msg.find(kFix) != std::string::npos, msg);
  CHECK_UNCHANGED(host_before, capture_host_state({env.data.path()}));
  CHECK_UNCHANGED(container_before, capture_netns_state(c));
  CHECK(env.lease_count() == 0);
  CHECK(tables().find("table inet nexus") == std::string::npos);
  CHECK(inspect("ip -o link show").find("nxbr0") == std::string::npos);

  // (b) The message's own commands, as given, then ADD succeeds and the container reaches the outside
  // masqueraded, through firewalld's forward chain.
  firewalld.run_ok(kFix);
  const std::string firewalld_before = firewalld_table();
  REQUIRE(firewalld_before.find("iifname \"nxbr0\" goto filter_FWD_trusted") != std::string::npos);
  const PluginRun added = env.add_ok("c", c, conf);
  CHECK(seen_from(9401) == "198.51.100.254");
  CHECK(masqueraded_v4() == std::multiset<std::string>{"10.78.0.2"});
  CHECK(firewalld_table() == firewalld_before);

  // (c) DEL: nothing of the attachment's stays in nftables; firewalld's table is as it was. (Nexus's table itself
  // stays, its maps empty and so matching nothing: no DEL removes it, as concurrent ADDs' fast path relies on it.)
  const PluginRun deleted = env.run("DEL", "c", c.path(), with_prev(conf, added));
  REQUIRE_MESSAGE(deleted.exit_code == 0, deleted.out, deleted.err);
  CHECK(masquerade_elements().empty());
  CHECK(owner_tokens_v4().empty());
  CHECK(firewalld_table() == firewalld_before);
}

TEST_CASE_FIXTURE(FirewalldWorld, "firewalld: --reload rebuilds only its own table: a running node keeps Nexus's "
                                  "table, and its traffic passes as long as the bridge's zone is permanent" *
                                      doctest::skip(skip_root_tests())) {
  // Only the runtime half of the fix: ADD succeeds, and the node reaches the outside.
  firewalld.run_ok("firewall-cmd --zone=trusted --change-interface=nxbr0");
  const PluginRun added = env.add_ok("c", c, conf);
  const json check_conf = with_prev(conf, added);
  CHECK(seen_from(9402) == "198.51.100.254");
  CHECK(env.run("CHECK", "c", c.path(), check_conf).exit_code == 0);
  const std::string nexus_table = inspect("nft list table inet nexus");

  // A reload keeps Nexus's table (firewalld deletes and rebuilds only `inet firewalld`, so no `nexus
  // firewall-reload` is needed) but forgets a runtime-only binding: the bridge falls back to the default zone.
  firewalld.run_ok("firewall-cmd --reload");
  CHECK(inspect("nft list table inet nexus") == nexus_table);
  CHECK(firewalld_table().find("nxbr0") == std::string::npos);
  CHECK(seen_from(9403) == "");  // rejected by firewalld's forward chain
  const PluginRun check = env.run("CHECK", "c", c.path(), check_conf);  // CHECK names it, with the fix
  CHECK_CNI_ERROR(check, 102);
  CHECK(check.json().value("msg", "").find(kFix) != std::string::npos);

  // The whole fix (runtime and permanent, as ADD's message gives it): it survives the next reload.
  firewalld.run_ok(kFix);
  CHECK(seen_from(9404) == "198.51.100.254");
  firewalld.run_ok("firewall-cmd --reload");
  CHECK(firewalld_table().find("iifname \"nxbr0\" goto filter_FWD_trusted") != std::string::npos);
  CHECK(inspect("nft list table inet nexus") == nexus_table);
  CHECK(seen_from(9405) == "198.51.100.254");
  const PluginRun fixed = env.run("CHECK", "c", c.path(), check_conf);
  CHECK_MESSAGE(fixed.exit_code == 0, fixed.out);
}

TEST_CASE_FIXTURE(FirewalldWorld, "firewalld: intra-zone forwarding (bridge and uplink bound to one zone) is "
                                  "recognised: ADD succeeds and the node reaches the outside" *
                                      doctest::skip(skip_root_tests())) {
  // public has <forward/>: it forwards between interfaces bound to it, and out-h is the default route's.
  firewalld.run_ok("firewall-cmd --zone=public --add-interface=out-h && "
                   "firewall-cmd --zone=public --add-interface=nxbr0");
  env.add_ok("c", c, conf);
  CHECK(seen_from(9406) == "198.51.100.254");
  // Bound to public but leaving by an interface in no zone (the default route moved): not intra-zone.
  ContainerNetns d;
  REQUIRE(run_shell("ip link add out2-h type veth peer name out2-o && ip link set out2-h up && "
                    "ip route replace default dev out2-h").exit_code == 0);
  const PluginRun refused = env.run("ADD", "d", d.path(), conf);
  CHECK_CNI_ERROR(refused, 102);
}

TEST_CASE("firewalld: the probe for its table is one netlink request that tells a table there from one absent" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  CHECK_FALSE(nat::table_exists(nat::NftBatch::Family::Inet, "firewalld"));
  REQUIRE(run_shell("nft add table ip firewalld && nft add table inet firewalldx").exit_code == 0);
  CHECK_FALSE(nat::table_exists(nat::NftBatch::Family::Inet, "firewalld"));  // another family, another name
  REQUIRE(run_shell("nft add table inet firewalld").exit_code == 0);
  CHECK(nat::table_exists(nat::NftBatch::Family::Inet, "firewalld"));
}
