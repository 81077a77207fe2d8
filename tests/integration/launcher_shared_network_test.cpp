// nexus and a second runtime (libcni, through tests/interop/cnitool) attached to one network, with one conflist
// dir, one libcni cache dir and one nexus-ipam data dir, as containerd or podman's CNI backend would share
// network `nexus` on a host. Nothing nexus does (gc, delete, repeated deletes, a node that died, a forced delete
// whose DEL failed) may release the other runtime's lease, masquerade element or cache entry, and nothing the
// other runtime does (DEL, repeated DEL, a container that vanished without DEL) may release nexus's.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "tests/integration/launcher_fixture.h"
#include "tests/interop/interop_support.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::launcher_test;
using namespace nexus::testutil;
using namespace nexus::testutil::interop;
using nlohmann::json;

namespace {

const std::string kNet = "nxshare";
const std::string kPrefix = "10.77.8";

/// One attachment's footprint in the shared places.
struct Holdings {
  bool lease = false;
  bool masquerade = false;
  bool cache = false;
};

class SharedNetwork {
 public:
  SharedNetwork() {
    // The shipped conflist: ipMasq on, cniVersions up to 1.1.0 (so nexus speaks 1.1.0, where GC exists), while
    // libcni 1.1.2 uses its cniVersion 1.0.0.
    world.write_conflist(kNet, test_conflist("10-nexus.conflist", kNet, "nxsh0", kPrefix, data_dir()));
  }

  /// cnitool COMMAND on the shared network for container `id` (its CNI_CONTAINERID) in `netns`.
  CommandResult cnitool(const std::string& command, const std::string& id, const std::string& netns) const {
    CommandOptions options{.clear_env = true, .timeout_ms = 20000};
    options.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NETCONFPATH=" + world.path() + "/conf",
                   "CNI_PATH=" + std::string(NEXUS_BUILD_DIR), "CNI_CACHE_DIR=" + world.path() + "/cache",
                   "CNI_CONTAINERID=" + id};
    return run_command({cnitool_path(), command, kNet, netns}, options);
  }

  /// The address cnitool's ADD gave container `id`.
  std::string add_container(const std::string& id, const ContainerNetns& netns) const {
    const CommandResult add = cnitool("add", id, netns.path());
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    const json result = json::parse(add.out, nullptr, false);
    REQUIRE_MESSAGE(!result.is_discarded(), add.out);
    return strip_prefix(result["ips"][0]["address"].get<std::string>());
  }

  /// The address nexus gave node `name`.
  std::string create_node(const std::string& name) const {
    const CommandResult r = world.nexus({"node", "create", name, "--net", kNet});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return strip_prefix(world.show(name)["addresses"][0].get<std::string>());
  }

  Holdings holdings(const std::string& container_id, const std::string& address) const {
    const auto leases = lease_files(data_dir(), kNet);
    const auto cache = list_dir(world.path() + "/cache/results");
    return {std::find(leases.begin(), leases.end(), address) != leases.end(), masqueraded_v4().count(address) == 1,
            std::find(cache.begin(), cache.end(), kNet + "-" + container_id + "-eth0") != cache.end()};
  }

  std::string data_dir() const { return world.path() + "/ipam"; }

  LauncherWorld world;
};

/// Puts a nexus-bridge whose DEL fails first in nexus's CNI_PATH (cnitool's does not see it); ADD and the rest
/// run the real one. Undone by fix_del().
void break_del(const SharedNetwork& net) {
  net.world.write_plugin("nexus-bridge",
                         "#!/bin/sh\n[ \"$CNI_COMMAND\" = DEL ] && { cat >/dev/null; "
                         "echo '{\"code\":11,\"msg\":\"injected DEL failure\"}'; exit 1; }\n"
                         "exec " NEXUS_BUILD_DIR "/nexus-bridge\n");
}

void fix_del(const SharedNetwork& net) { std::filesystem::remove(net.world.path() + "/bin/nexus-bridge"); }

// Checks that `container_id` (`who` names it in a failure) still has, or no longer has, each of its lease,
// masquerade element and cached result for `address`.
void check_holdings(const SharedNetwork& net, const std::string& who, const std::string& container_id,
                    const std::string& address, bool held) {
  const Holdings h = net.holdings(container_id, address);
  CAPTURE(who);
  CAPTURE(address);
  CAPTURE(held);
  CHECK(h.lease == held);
  CHECK(h.masquerade == held);
  CHECK(h.cache == held);
}

void check_holds(const SharedNetwork& net, const std::string& who, const std::string& container_id,
                 const std::string& address) {
  check_holdings(net, who, container_id, address, true);
}

void check_released(const SharedNetwork& net, const std::string& who, const std::string& container_id,
                    const std::string& address) {
  check_holdings(net, who, container_id, address, false);
}

}  // namespace

TEST_CASE("nexus and a libcni runtime share a network: neither releases the other's attachments" *
          doctest::skip(skip_root_tests())) {
  SharedNetwork net;
  ContainerNetns alive;
  std::optional<ContainerNetns> crashed(std::in_place);
  const std::string alive_ip = net.add_container("other-alive", alive);
  const std::string crashed_ip = net.add_container("other-crashed", *crashed);
  crashed.reset();  // the other runtime's container vanished without a DEL: nexus cannot know it is dead

  const std::string n1 = net.create_node("n1");
  const std::string n2 = net.create_node("n2");
  const std::string n3 = net.create_node("n3");
  check_holds(net, "n1", "n1", n1);

  auto other_keeps_all = [&](const std::string& after) {
    CAPTURE(after);
    check_holds(net, "libcni container", "other-alive", alive_ip);
    check_holds(net, "libcni container whose netns vanished", "other-crashed", crashed_ip);
  };

  CommandResult gc = net.world.nexus({"gc"});
  CHECK_MESSAGE(gc.exit_code == 0, gc.err);
  other_keeps_all("gc with live nodes");
  check_holds(net, "n1", "n1", n1);

  CHECK(net.world.nexus({"node", "delete", "n1"}).exit_code == 0);
  CHECK(net.world.nexus({"node", "delete", "n1"}).exit_code == 0);
  check_released(net, "n1", "n1", n1);
  other_keeps_all("node delete, twice");

  // A node that died: gc deletes it, and only it.
  const int n2_pid = net.world.show("n2")["pid"].get<int>();
  REQUIRE(::kill(n2_pid, SIGKILL) == 0);
  for (int i = 0; i < 100 && net.world.show("n2")["status"] != "stopped"; ++i) ::usleep(20000);
  gc = net.world.nexus({"gc"});
  CHECK_MESSAGE(gc.exit_code == 0, gc.err);
  CHECK(gc.out.find("n2") != std::string::npos);
  check_released(net, "n2 (died)", "n2", n2);
  other_keeps_all("gc of a dead node");
  check_holds(net, "n3", "n3", n3);

  // The network's last node, force-deleted while its DEL fails: the hint says gc releases its address later.
  break_del(net);
  const CommandResult forced = net.world.nexus({"node", "delete", "--force", "n3"});
  CHECK_MESSAGE(forced.exit_code == 0, forced.err);
  CHECK_MESSAGE(forced.err.find("injected DEL failure") != std::string::npos, forced.err);
  CHECK_MESSAGE(forced.err.find("nexus gc") != std::string::npos, forced.err);
  check_holds(net, "n3 (DEL failed)", "n3", n3);  // the failure left it: gc must finish the job
  gc = net.world.nexus({"gc"});
  CHECK_MESSAGE(gc.exit_code != 0, gc.out);  // DEL still fails: gc says so and keeps trying later
  check_holds(net, "n3 (DEL still failing)", "n3", n3);
  fix_del(net);
  gc = net.world.nexus({"gc"});
  CHECK_MESSAGE(gc.exit_code == 0, gc.err);
  check_released(net, "n3 (released by gc)", "n3", n3);
  other_keeps_all("gc after the network's last node was force-deleted");
  gc = net.world.nexus({"gc"});  // nothing left of nexus: a gc changes nothing
  CHECK_MESSAGE(gc.exit_code == 0, gc.err);
  other_keeps_all("gc with no node at all");

  // The other way round: the libcni runtime's DELs, repeated, leave the node alone.
  const std::string n4 = net.create_node("n4");
  CHECK(net.cnitool("del", "other-alive", alive.path()).exit_code == 0);
  CHECK(net.cnitool("del", "other-alive", alive.path()).exit_code == 0);
  CHECK(net.cnitool("del", "other-crashed", "").exit_code == 0);
  CHECK(net.cnitool("del", "other-crashed", "").exit_code == 0);
  check_released(net, "libcni container after its DEL", "other-alive", alive_ip);
  check_released(net, "libcni container after its DEL without netns", "other-crashed", crashed_ip);
  check_holds(net, "n4", "n4", n4);
  CHECK(net.world.nexus({"node", "exec", "n4", "--", "true"}).exit_code == 0);
  CHECK(net.world.nexus({"node", "delete", "n4"}).exit_code == 0);
  check_released(net, "n4", "n4", n4);
}

TEST_CASE("a node created under the name of a force-deleted one first releases the old attachment" *
          doctest::skip(skip_root_tests())) {
  SharedNetwork net;
  const std::string old_ip = net.create_node("again");
  break_del(net);
  REQUIRE(net.world.nexus({"node", "delete", "--force", "again"}).exit_code == 0);
  // While the old attachment's DEL fails, the name cannot be reused (its containerID would be shared).
  const CommandResult refused = net.world.nexus({"node", "create", "again", "--net", kNet});
  CHECK(refused.exit_code != 0);
  CHECK_MESSAGE(refused.err.find("injected DEL failure") != std::string::npos, refused.out, refused.err);
  CHECK(net.world.nexus({"node", "show", "again"}).exit_code != 0);
  check_holds(net, "the old attachment", "again", old_ip);
  fix_del(net);
  const std::string new_ip = net.create_node("again");
  // Only the new attachment holds anything: the old one was released first (same address or not).
  check_holds(net, "the new node", "again", new_ip);
  CHECK(lease_files(net.data_dir(), kNet) == std::vector<std::string>{new_ip});
  CHECK(masqueraded_v4() == std::multiset<std::string>{new_ip});
  const CommandResult gc = net.world.nexus({"gc"});  // a later gc must not take the new node's attachment
  CHECK_MESSAGE(gc.exit_code == 0, gc.err);
  CHECK(gc.out.find("released") == std::string::npos);
  check_holds(net, "the new node after gc", "again", new_ip);
}

// Issue 12: a firewall reload flushes the ruleset under both runtimes' containers. `nexus firewall-reload`
// restores libcni's attachment from the cache Go's libcni wrote, and the node's from the cache or, when the cache
// dir given does not hold it, from the node's record.
TEST_CASE("nexus firewall-reload restores a libcni runtime's attachment and a node after nft flush ruleset" *
          doctest::skip(skip_root_tests())) {
  SharedNetwork net;
  ContainerNetns other;
  const std::string other_ip = net.add_container("other", other);
  const std::string n1 = net.create_node("n1");
  const std::set<MasqElement> owners = {{"nxsh0", n1, "n1/eth0"}, {"nxsh0", other_ip, "other/eth0"}};
  const auto elements = [] {
    const std::vector<MasqElement> e = masquerade_elements();
    return std::set<MasqElement>(e.begin(), e.end());
  };
  REQUIRE(elements() == owners);

  REQUIRE(run_shell("nft flush ruleset").exit_code == 0);
  const CommandResult lost = net.world.nexus({"node", "check", "n1"});
  CHECK(lost.exit_code != 0);
  CHECK_MESSAGE(lost.err.find("ipMasq of n1/eth0 on nxsh0 in network nxshare: table inet nexus is missing") !=
                    std::string::npos, lost.err);
  CommandResult r = net.world.nexus({"firewall-reload"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("restored other/eth0 (network nxshare): masquerade of " + other_ip + " on nxsh0\n") !=
                    std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("restored n1/eth0 (network nxshare): masquerade of " + n1 + " on nxsh0\n") !=
                    std::string::npos, r.out);
  CHECK(count_lines_with(r.out, "n1/eth0") == 1);  // the node's record adds nothing the cache has
  CHECK(elements() == owners);
  CHECK(net.world.nexus({"node", "check", "n1"}).exit_code == 0);
  const CommandResult other_check = net.cnitool("check", "other", other.path());
  CHECK_MESSAGE(other_check.exit_code == 0, other_check.out, other_check.err);

  // A cache dir without the node's entry (a node created with another --cache-dir): its record suffices.
  REQUIRE(run_shell("nft flush ruleset").exit_code == 0);
  const TempDir empty_cache;
  r = net.world.nexus({"firewall-reload", "--cache-dir", empty_cache.path()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("restored n1/eth0 (network nxshare): masquerade of " + n1 + " on nxsh0\n") !=
                    std::string::npos, r.out);
  CHECK(elements() == std::set<MasqElement>{{"nxsh0", n1, "n1/eth0"}});
  CHECK(net.world.nexus({"node", "check", "n1"}).exit_code == 0);
}
