// nexus-bridge and its IPAM child never outlive each other's decisions: IPAM killed or died with a plugin that
// was killed while IPAM was held acts on nothing, before or after the runtime's DEL; a hung IPAM is killed at a
// bounded time with an error naming it.
//
// IPAM here is a wrapper in front of nexus-ipam that, once, for the command under test, records its pid and then
// does what the case needs (waits, hangs, kills the plugin) before becoming the real nexus-ipam.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/testutil/background_plugin.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr const char* kNet = "10.68.0.0/24";
// How long the wrapper waits before the real IPAM runs: an IPAM that is slow to act (a busy host, a lease lock
// held by another ADD) would act this late, after the runtime's DEL. The tests wait well past it.
constexpr const char* kIpamDelay = "0.2";
constexpr auto kWellPastIpam = std::chrono::milliseconds(800);

struct OrphanBench {
  BridgeEnv env;
  TempDir scratch, wrapper_dir;
  json conf;
  std::string cni_path, pid_file;

  /// `action`: shell run by the wrapper for `command` (once), after it recorded its pid.
  OrphanBench(const std::string& command, const std::string& action) {
    conf = env.config(kNet, {{"ipMasq", true}}, "1.1.0");
    pid_file = scratch.path() + "/ipam.pid";
    const std::string wrapper = wrapper_dir.path() + "/nexus-ipam";
    std::ofstream(wrapper) << "#!/bin/sh\nS=" << scratch.path() << "\nIPAM=" << nexus_plugin_dir()
                           << "/nexus-ipam\nif [ \"$CNI_COMMAND\" = " << command
                           << " ] && mkdir $S/once 2>/dev/null; then\n  echo $$ > $S/ipam.pid\n"
                           << action << "\nfi\nexec $IPAM\n";
    REQUIRE(::chmod(wrapper.c_str(), 0755) == 0);
    cni_path = wrapper_dir.path() + ":" + default_cni_path();
  }

  PluginRun run(const std::string& command, const std::string& id, const std::string& netns, const json& c,
                std::map<std::string, std::string> extra_env = {}) const {
    PluginCall call{.command = command, .container_id = id, .netns = netns, .ifname = "eth0"};
    call.cni_path = cni_path;
    call.extra_env = std::move(extra_env);
    return run_plugin(nexus_bridge_path(), call, c);
  }

  /// The pid the wrapper wrote to `file` (in scratch), once it is there.
  pid_t await_pid(const std::string& file = "ipam.pid") const {
    for (int i = 0; i < 5000; ++i) {
      const std::string text = read_file(scratch.path() + "/" + file);
      if (!text.empty() && text.back() == '\n') return std::stoi(text);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FAIL(file << " never written");
    return -1;
  }
  pid_t await_ipam() const { return await_pid(); }

  json with_prev(const json& prev) const {
    json c = conf;
    c["prevResult"] = prev;
    return c;
  }

  void check_nothing_left() const {
    CHECK(env.lease_count() == 0);
    CHECK(masqueraded_v4().empty());
    CHECK(env.host_veths().empty());
  }
};

}  // namespace

TEST_CASE("orphaned IPAM: nexus-bridge killed while its IPAM ADD is held: no lease, before or after the DEL" *
          doctest::skip(skip_root_tests())) {
  // The ADD opens CNI_NETNS after starting IPAM and before letting it go: a FIFO there (with no writer) holds it
  // in that window for as long as the test likes.
  TempDir fifo_dir;
  const std::string netns = fifo_dir.path() + "/netns";
  REQUIRE(::mkfifo(netns.c_str(), 0600) == 0);
  std::string action;
  std::string orphan_file;
  SUBCASE("IPAM is the plugin's child") { action = std::string("sleep ") + kIpamDelay; }
  SUBCASE("IPAM leaves a process behind that reads its stdin") {
    // Not one of the plugin's children, so nothing kills it: only what it reads keeps it from acting.
    action = std::string("exec 3<&0\n( sleep ") + kIpamDelay + "; exec $IPAM <&3 >/dev/null 2>&1 ) &\n" +
             "echo $! > $S/orphan.pid\nwait\nexit 1";
    orphan_file = "orphan.pid";
  }
  OrphanBench bench("ADD", action);
  {
    BackgroundPlugin add(bench.scratch, nexus_bridge_path(), plugin_env("ADD", "orphan", netns, bench.cni_path),
                         bench.conf.dump());
    const pid_t ipam = bench.await_ipam();
    const pid_t orphan = orphan_file.empty() ? -1 : bench.await_pid(orphan_file);
    CHECK(add.running());  // still opening the netns, so IPAM has not been let go
    add.kill();
    CHECK_FALSE(add.wait());
    CHECK_MESSAGE(wait_dead(ipam, 1000), "IPAM " << ipam << " outlived nexus-bridge");
    if (orphan > 0) CHECK(wait_dead(orphan, 5000));  // it read a truncated configuration and gave up
  }
  std::this_thread::sleep_for(kWellPastIpam);
  CHECK(bench.env.lease_count() == 0);
  // The runtime's DEL for the ADD that printed nothing, then long enough for a late IPAM to have acted.
  const auto del = bench.run("DEL", "orphan", netns, bench.conf);
  CHECK_MESSAGE(del.exit_code == 0, del.out);
  std::this_thread::sleep_for(kWellPastIpam);
  bench.check_nothing_left();
}

TEST_CASE("orphaned IPAM: nexus-bridge killed while its IPAM DEL is held: no address freed before its NAT element" *
          doctest::skip(skip_root_tests())) {
  // The DEL holds IPAM until its helper has removed the masquerade element. The helper's first step is loading
  // libnftables: a FIFO of that name first in LD_LIBRARY_PATH holds it there, element still in place.
  TempDir lib_dir;
  const std::string fake_lib = lib_dir.path() + "/libnftables.so.1";
  REQUIRE(::mkfifo(fake_lib.c_str(), 0600) == 0);
  OrphanBench bench("DEL", std::string("sleep ") + kIpamDelay);
  ContainerNetns ns;
  const auto add = bench.run("ADD", "orphan", ns.path(), bench.conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out);
  const json prev = add.json();
  REQUIRE(bench.env.lease_count() == 1);
  REQUIRE(masqueraded_v4().size() == 1);
  {
    auto env = plugin_env("DEL", "orphan", ns.path(), bench.cni_path);
    env.push_back("LD_LIBRARY_PATH=" + lib_dir.path());
    BackgroundPlugin del(bench.scratch, nexus_bridge_path(), env, bench.with_prev(prev).dump());
    const pid_t ipam = bench.await_ipam();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(del.running());  // waiting for the helper, so IPAM has not been let go
    del.kill();
    CHECK_FALSE(del.wait());
    CHECK_MESSAGE(wait_dead(ipam, 1000), "IPAM " << ipam << " outlived nexus-bridge");
  }
  std::this_thread::sleep_for(kWellPastIpam);
  const bool freed = bench.env.lease_count() == 0;
  const bool masqueraded = !masqueraded_v4().empty();
  CHECK_MESSAGE(!(freed && masqueraded), "the address was freed while its masquerade element is still there");
  // A helper that outlived the plugin would still be stuck on the FIFO: a writer that leaves at once frees it.
  ::close(::open(fake_lib.c_str(), O_WRONLY | O_NONBLOCK));
  const auto del = bench.run("DEL", "orphan", ns.path(), bench.with_prev(prev));
  CHECK_MESSAGE(del.exit_code == 0, del.out);
  std::this_thread::sleep_for(kWellPastIpam);
  bench.check_nothing_left();
}

TEST_CASE("hung IPAM: nexus-bridge kills it at the limit, rolls back and says which plugin and how long" *
          doctest::skip(skip_root_tests())) {
  const std::map<std::string, std::string> limit{{"NEXUS_DELEGATE_TIMEOUT_MS", "300"}};
  ContainerNetns ns;
  auto expect_timeout = [](const PluginRun& r, std::chrono::steady_clock::duration took) {
    CHECK(r.exit_code != 0);
    CHECK(r.error_code() == 11);
    const std::string msg = r.json().value("msg", "");
    CHECK_MESSAGE(msg.find("nexus-ipam") != std::string::npos, msg);
    CHECK_MESSAGE(msg.find("300 ms") != std::string::npos, msg);
    CHECK(took < std::chrono::seconds(3));
  };
  SUBCASE("ADD") {
    OrphanBench bench("ADD", "exec sleep 5");
    const auto start = std::chrono::steady_clock::now();
    const auto add = bench.run("ADD", "hung", ns.path(), bench.conf, limit);
    expect_timeout(add, std::chrono::steady_clock::now() - start);
    CHECK_MESSAGE(wait_dead(bench.await_ipam(), 100), "the hung IPAM is still running");
    bench.check_nothing_left();  // the rollback ran IPAM's DEL and took the veth and masquerade away
  }
  SUBCASE("DEL") {
    OrphanBench bench("DEL", "exec sleep 5");
    const auto add = bench.run("ADD", "hung", ns.path(), bench.conf);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out);
    const auto start = std::chrono::steady_clock::now();
    const auto del = bench.run("DEL", "hung", ns.path(), bench.with_prev(add.json()), limit);
    expect_timeout(del, std::chrono::steady_clock::now() - start);
    CHECK(wait_dead(bench.await_ipam(), 100));
    // The runtime retries the DEL, which now completes.
    const auto again = bench.run("DEL", "hung", ns.path(), bench.with_prev(add.json()), limit);
    CHECK_MESSAGE(again.exit_code == 0, again.out);
    bench.check_nothing_left();
  }
}
