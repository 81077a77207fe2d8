// Every way `nexus node create` can fail says why and leaves nothing behind.
#include <doctest/doctest.h>

#include <sys/mount.h>

#include <filesystem>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus::launcher_test;
namespace fs = std::filesystem;
using nexus::testutil::list_dir;

namespace {

// Everything a node can leave behind, to compare before and after a failed create.
struct Footprint {
  std::vector<std::string> nodes, leases, veths, pins, cgroups, cache;
  bool operator==(const Footprint&) const = default;
};

Footprint footprint(const LauncherWorld& w) {
  return {list_dir(w.state_dir() + "/nodes"), w.leases(), w.veths(), list_dir(w.netns_dir()), w.node_cgroups(),
          list_dir(w.path() + "/cache/results")};
}

// Runs `node create ARGS`, checks that it fails saying `message` and changes nothing; returns what it printed.
CommandResult expect_clean_failure(const LauncherWorld& w, const std::vector<std::string>& args,
                                   const std::string& message) {
  const Footprint before = footprint(w);
  std::vector<std::string> all{"node", "create"};
  all.insert(all.end(), args.begin(), args.end());
  CommandResult r = w.nexus(all);
  CAPTURE(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find(message) != std::string::npos);
  CHECK(r.out.empty());
  const Footprint after = footprint(w);
  CHECK(after.nodes == before.nodes);
  CHECK(after.leases == before.leases);
  CHECK(after.veths == before.veths);
  CHECK(after.pins == before.pins);
  CHECK(after.cgroups == before.cgroups);
  CHECK(after.cache == before.cache);
  return r;
}

// Runs `node delete NAME`, checks that it succeeds; returns what is left afterwards.
Footprint delete_node(const LauncherWorld& w, const std::string& name) {
  const CommandResult del = w.nexus({"node", "delete", name});
  CHECK_MESSAGE(del.exit_code == 0, del.err);
  return footprint(w);
}

// Checks that no node state, lease, netns pin, cgroup or cached result is left; veths are checked by the callers
// that expect them gone.
void check_no_node_left(const Footprint& left) {
  CHECK(left.nodes.empty());
  CHECK(left.leases.empty());
  CHECK(left.pins.empty());
  CHECK(left.cgroups.empty());
  CHECK(left.cache.empty());
}

const char* kFailingPlugin = R"(#!/bin/sh
cat >/dev/null
case "$CNI_COMMAND" in
VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
ADD) echo '{"cniVersion":"1.0.0","code":11,"msg":"injected failure","details":"from the test"}'; exit 1 ;;
esac
exit 0
)";

}  // namespace

TEST_CASE("create fails cleanly: taken name, bad name, bad limits, bad address, unknown network" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  REQUIRE(w.nexus({"node", "create", "taken", "--net", "ittest"}).exit_code == 0);
  expect_clean_failure(w, {"taken", "--net", "ittest"}, "node 'taken' already exists");
  expect_clean_failure(w, {"Bad_Name", "--net", "ittest"}, "invalid node name 'Bad_Name'");
  expect_clean_failure(w, {"a", "--net", "ittest", "--mem", "0"}, "invalid --mem 0");
  expect_clean_failure(w, {"a", "--net", "ittest", "--cpu", "1"}, "invalid --cpu 1");
  expect_clean_failure(w, {"a", "--net", "ittest", "--ip", "nonsense"}, "invalid --ip 'nonsense'");
  expect_clean_failure(w, {"a", "--net", "ittest", "--ip", "10.9.9.9"}, "10.9.9.9");
  expect_clean_failure(w, {"a", "--net", "nothere"}, "no network configuration named 'nothere'");
  expect_clean_failure(w, {"a", "--net", "ittest", "--rootfs", "/no/such/dir"}, "invalid --rootfs");
  // The first node is unharmed by all of that.
  CHECK(w.nexus({"node", "exec", "taken", "--", "ping", "-c1", "-W2", kSubnet + ".1"}).exit_code == 0);
}

TEST_CASE("a failing plugin in the chain rolls back the plugins before it" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  w.write_plugin("failer", kFailingPlugin);
  nlohmann::json conf = w.reference_plugins(false);
  conf["plugins"].push_back({{"type", "failer"}});
  w.write_conflist("ittest", conf);
  const CommandResult r = expect_clean_failure(w, {"f1", "--net", "ittest"}, "plugin failer ADD failed: injected failure");
  // The launcher restates the plugin's error with what it was doing; the plugin's details come under it.
  CHECK(r.err.starts_with("nexus: error: cannot create node 'f1': "));
  CHECK(r.err.find("\n  from the test\neverything created so far was removed") != std::string::npos);
  // The bridge ran (host-local reserved an address: its round-robin cursor moved) and was undone.
  CHECK(nexus::testutil::read_file(w.lease_dir() + "/last_reserved_ip.0") == kSubnet + ".2");
  w.write_conflist("ittest", w.reference_plugins(false));
  REQUIRE(w.nexus({"node", "create", "f2", "--net", "ittest"}).exit_code == 0);
  CHECK(w.leases().size() == 1);
}

TEST_CASE("a plugin missing from CNI_PATH is a clear error" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  nlohmann::json conf = w.reference_plugins(false);
  conf["plugins"].push_back({{"type", "no-such-plugin"}});
  w.write_conflist("ittest", conf);
  expect_clean_failure(w, {"m1", "--net", "ittest"}, "no-such-plugin");
}

TEST_CASE("nexus killed at any point of create leaves nothing that gc does not clean" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  for (int delay_ms : {0, 3, 6, 10, 15, 20, 30, 40, 60, 90}) {
    CAPTURE(delay_ms);
    const std::string script = kNexus + " node create kill1 --net ittest --mem 32 >/dev/null 2>&1 & pid=$!; sleep " +
                               std::to_string(delay_ms / 1000.0) + "; kill -9 $pid; wait $pid";
    nexus::testutil::run_command({"sh", "-c", script}, {.env = w.env()});
    CommandResult gc = w.nexus({"gc"});
    CAPTURE(gc.err);
    CHECK(gc.exit_code == 0);
    // A create that finished before the kill is a healthy node: delete it the normal way.
    const Footprint left = delete_node(w, "kill1");
    check_no_node_left(left);
    CHECK(left.veths.empty());
  }
}

TEST_CASE("a node whose netns pin is a plain file (create killed before the mount) deletes cleanly" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  REQUIRE(w.nexus({"node", "create", "pin1", "--net", "ittest", "--mem", "32"}).exit_code == 0);
  // What a create killed between creating the pin file and bind-mounting the netns on it leaves.
  const std::string pin = w.netns_dir() + "/pin1";
  REQUIRE(::umount2(pin.c_str(), MNT_DETACH) == 0);
  REQUIRE(fs::is_regular_file(pin));
  check_no_node_left(delete_node(w, "pin1"));
}
