// Crash injection: nexus-bridge, or its nexus-ipam child, is SIGKILLed at a random instant of an ADD or a DEL,
// round after round. Then the runtime's cleanup (DEL, with prevResult only when the ADD printed one, and GC)
// must leave no lease, veth, nft element or stale lock, and no address may ever be held by two attachments.
// An ADD that publishes ports is killed too (PortCrash): its mappings go with DEL or GC, other owners' never.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/testutil/background_plugin.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"
#include "tests/testutil/sanitized_build.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr int kRounds = kSanitizedBuild ? 12 : 40;  // per kind of crash
constexpr const char* kNet = "10.67.0.0/24";
constexpr int kIpamMaxUs = 1500;  // nexus-ipam's whole run (exec included) takes about this long

// IPv4 addresses configured on eth0 in `ns` (none when there is no eth0).
std::set<std::string> addresses_in(const ContainerNetns& ns) {
  std::set<std::string> out;
  std::istringstream words(run_shell("ip -n " + ns.name() + " -o -4 addr show dev eth0 2>/dev/null").out);
  for (std::string w, prev; words >> w; prev = w)
    if (prev == "inet") out.insert(w.substr(0, w.find('/')));
  return out;
}

std::string first_address(const json& result) {
  const std::string a = result["ips"][0]["address"];
  return a.substr(0, a.find('/'));
}

// BridgeIpamInProcess: nexus-bridge, with the build's own nexus-ipam in CNI_PATH, whose verbs it runs in-process
// (bridge_ipam_in_process_test.cpp proves that): the kill can land inside the allocation itself.
enum class Victim { Bridge, Ipam, BridgeIpamInProcess };
enum class Verb { Add, Del };

struct CrashBench {
  BridgeEnv env;
  TempDir scratch, wrapper_dir;
  ContainerNetns steady_ns, crash_ns, probe_ns;
  json conf;
  std::string steady_address, cni_path, pid_file;
  int add_us = 30000, del_us = 20000;  // how long nexus-bridge's ADD and DEL take here
  // The share of that duration the kill delays span: a command much shorter than its spawn and wait (the probes
  // time both) would outrun most kills, so a miss narrows the aim and a hit widens it again, up to the whole.
  double aim = 1.0;
  int killed_mid_flight = 0;
  std::mt19937 rng{std::random_device{}()};
  // How far the killed command had got, over the rounds: shows the kills land all along the command.
  std::map<std::string, int> reached;

  explicit CrashBench(bool ipam_in_process = false) {
    conf = env.config(kNet, {{"ipMasq", true}}, "1.1.0");
    // nexus-ipam as the bridge finds it first in CNI_PATH: records its pid, then becomes the real plugin.
    pid_file = scratch.path() + "/ipam.pid";
    const std::string wrapper = wrapper_dir.path() + "/nexus-ipam";
    std::ofstream(wrapper) << "#!/bin/sh\necho $$ > " << pid_file << ".tmp && mv " << pid_file << ".tmp "
                           << pid_file << "\nexec " << nexus_plugin_dir() << "/nexus-ipam\n";
    REQUIRE(::chmod(wrapper.c_str(), 0755) == 0);
    cni_path = ipam_in_process ? default_cni_path() : wrapper_dir.path() + ":" + default_cni_path();
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = env.run("ADD", "steady", steady_ns.path(), conf);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    // Kill delays span a whole ADD: this first one, then each probe's (a DEL: each probe's).
    add_us = static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - t0).count());
    steady_address = first_address(r.json());
  }

  PluginRun run(const std::string& command, const std::string& id, const ContainerNetns& ns, const json& c) {
    PluginCall call{.command = command, .container_id = id, .netns = ns.path(), .ifname = "eth0"};
    call.cni_path = cni_path;
    return run_plugin(nexus_bridge_path(), call, c);
  }

  json with_prev(const json& prev) const {
    json c = conf;
    if (!prev.is_null()) c["prevResult"] = prev;
    return c;
  }

  // Starts `command` and SIGKILLs the victim after a random delay within the command's usual duration;
  // returns the result if it printed one.
  json crash(Victim victim, const std::string& command, const std::string& id, const json& c, int n) {
    ::unlink(pid_file.c_str());
    BackgroundPlugin p(scratch, nexus_bridge_path(), plugin_env(command, id, crash_ns.path(), cni_path), c.dump());
    bool killed = false;
    if (victim == Victim::Bridge && n % 4 == 3) {
      // Every fourth round aims at IPAM's run (held, then acting): the orphaned-IPAM path.
      killed = kill_once_ipam_started(p);
    } else if (victim == Victim::Bridge || victim == Victim::BridgeIpamInProcess) {
      // Every other round aims at the second half, where the steps after IPAM (veth, addresses, nft) are.
      const int took = static_cast<int>((command == "ADD" ? add_us : del_us) * aim);
      const int delay = std::uniform_int_distribution(n % 2 ? took / 3 : 0, took)(rng);
      std::this_thread::sleep_for(std::chrono::microseconds(delay));
      killed = p.running();
      p.kill();
      aim = killed ? std::min(1.0, aim * 1.1) : std::max(0.05, aim * 0.6);
    } else {
      killed = kill_ipam_child(p);
    }
    const bool ok = p.wait();
    if (victim != Victim::Ipam) check_no_orphan_acts(id);
    ++reached[!killed ? "missed (finished first)" : ok ? "kill sent, but it was already exiting" : "killed"];
    killed_mid_flight += killed && !ok;
    if (!ok) return nullptr;
    const json out = json::parse(p.stdout_text(), nullptr, false);
    return out.is_discarded() || !out.contains("ips") ? json(nullptr) : out;
  }

  // Waits for the wrapper to record the IPAM child's pid, then kills the bridge after a random delay within
  // IPAM's run; true when it was still running.
  bool kill_once_ipam_started(BackgroundPlugin& bridge) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (bridge.running() && read_file(pid_file).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution(0, kIpamMaxUs)(rng)));
    const bool running = bridge.running();
    bridge.kill();
    return running;
  }

  // The leases the crashed attachment holds: name and holder.
  std::map<std::string, std::string> leases_of(const std::string& id) const {
    std::map<std::string, std::string> out;
    const std::string dir = env.data.path() + "/testnet/";
    for (const auto& name : list_dir(dir))
      if (const std::string holder = read_file(dir + name); holder == id + "\r\neth0") out[name] = holder;
    return out;
  }

  // Just after nexus-bridge was killed and reaped: its IPAM child, if it had one, is dead too (dying with it)
  // and did nothing after the kill: the leases are as the kill left them.
  void check_no_orphan_acts(const std::string& id) {
    const auto at_kill = leases_of(id);
    const std::string text = read_file(pid_file);
    if (text.empty()) return;  // killed before IPAM started
    const pid_t ipam = std::stoi(text);
    CHECK_MESSAGE(wait_dead(ipam, 1000), "IPAM " << ipam << " outlived nexus-bridge");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // an IPAM left acting would be done by now
    CHECK_MESSAGE(leases_of(id) == at_kill, "IPAM changed the leases after nexus-bridge was killed");
  }

  // Waits for the wrapper to record the IPAM child's pid, then kills it after a random delay if it is still
  // the bridge's running child; true when it was.
  bool kill_ipam_child(BackgroundPlugin& bridge) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (bridge.running() && std::chrono::steady_clock::now() < deadline) {
      const std::string text = read_file(pid_file);
      if (!text.empty()) {
        const pid_t ipam = std::stoi(text);
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution(0, kIpamMaxUs)(rng)));
        return parent_of(ipam) == bridge.pid() && state_of(ipam) != 'Z' && ::kill(ipam, SIGKILL) == 0;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return false;
  }

  // Every lease file names exactly one known attachment; steady's address is steady's alone.
  void check_leases(const std::string& crashed_id) {
    const std::string dir = env.data.path() + "/testnet/";
    for (const auto& name : list_dir(dir)) {
      if (name == "lock" || name.starts_with("last_reserved_ip") || name.starts_with(".")) continue;
      const std::string holder = read_file(dir + name);
      CHECK_MESSAGE((holder == crashed_id + "\r\neth0" || holder == "steady\r\neth0"), name << ": " << holder);
      CHECK((holder == "steady\r\neth0") == (name == steady_address));
    }
  }

  // A fresh ADD completes (no stale lock) with an address nobody else holds; then it is removed again.
  void probe(const std::set<std::string>& taken) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run("ADD", "probe", probe_ns, conf);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < std::chrono::seconds(5));
    add_us = static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
    const std::string a = first_address(r.json());
    CHECK_MESSAGE(a != steady_address, a);
    CHECK_MESSAGE(taken.count(a) == 0, "probe got " << a << ", still on the crashed container");
    const auto t1 = std::chrono::steady_clock::now();
    REQUIRE(run("DEL", "probe", probe_ns, with_prev(r.json())).exit_code == 0);
    del_us = static_cast<int>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t1).count());
  }

  void check_only_steady_left() {
    std::set<std::string> leased;
    for (const auto& name : list_dir(env.data.path() + "/testnet/"))
      if (name != "lock" && !name.starts_with("last_reserved_ip") && !name.starts_with(".")) leased.insert(name);
    CHECK(leased == std::set<std::string>{steady_address});
    CHECK(env.host_veths().size() == 1);
    CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbr0", steady_address, "steady/eth0"}});
    CHECK(owner_tokens_v4() == std::multiset<std::string>{steady_address});
    CHECK(addresses_in(crash_ns).empty());
    CHECK(run_shell("ip -n " + crash_ns.name() + " link show eth0 2>/dev/null").exit_code != 0);
  }

  std::multiset<std::string> masqueraded_now() const { return masqueraded_v4(); }

  void note_progress(const std::string& id, bool finished, const std::set<std::string>& held) {
    bool leased = false;
    for (const auto& name : list_dir(env.data.path() + "/testnet/"))
      leased = leased || read_file(env.data.path() + "/testnet/" + name) == id + "\r\neth0";
    const std::string stage = finished                       ? "left: a result"
                              : masqueraded_v4().size() > 1       ? "left: masquerade"
                              : !held.empty()                  ? "left: address in the container"
                              : env.host_veths().size() > 1    ? "left: veth"
                              : leased                         ? "left: lease"
                                                               : "left: nothing";
    ++reached[stage];
  }

  std::string progress() const {
    std::string out;
    for (const auto& [stage, n] : reached) out += stage + ": " + std::to_string(n) + ", ";
    return out;
  }

  void gc() {
    json c = conf;
    c["cni.dev/valid-attachments"] = json::parse(R"([{"containerID":"steady","ifname":"eth0"}])");
    PluginCall call{.command = "GC"};
    call.cni_path = cni_path;
    const auto r = run_plugin(nexus_bridge_path(), call, c);
    CHECK_MESSAGE(r.exit_code == 0, r.out);
  }

  void round(Victim victim, Verb verb, int n) {
    const std::string id = "crash-" + std::to_string(n);
    CAPTURE(id);
    json prev = nullptr;
    if (verb == Verb::Add) {
      prev = crash(victim, "ADD", id, conf, n);
      const auto held = addresses_in(crash_ns);
      note_progress(id, !prev.is_null(), held);
      // Configured on the crashed container: still leased to it until its DEL.
      for (const auto& a : held) CHECK_MESSAGE(read_file(env.data.path() + "/testnet/" + a) == id + "\r\neth0", a);
      check_leases(id);
      probe(held);
    } else {
      const auto r = run("ADD", id, crash_ns, conf);
      REQUIRE_MESSAGE(r.exit_code == 0, r.out);
      prev = r.json();
      if (!crash(victim, "DEL", id, with_prev(prev), n).is_null()) FAIL("DEL printed a result");
      note_progress(id, false, addresses_in(crash_ns));
      check_leases(id);
      probe({});
    }
    if (n % 2) gc();
    const auto d = run("DEL", id, crash_ns, with_prev(prev));
    CHECK_MESSAGE(d.exit_code == 0, d.out);
    check_only_steady_left();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK_MESSAGE(leases_of(id).empty(), "a lease appeared after the runtime's DEL");
  }
};

void crash_rounds(Victim victim, Verb verb) {
  const auto start = std::chrono::steady_clock::now();
  CrashBench bench(victim == Victim::BridgeIpamInProcess);
  for (int n = 0; n < kRounds; ++n) bench.round(victim, verb, n);
  MESSAGE(bench.progress());
  // Kills that never land would make every round pass: most must hit the command mid-flight.
  CHECK_MESSAGE(bench.killed_mid_flight * 2 > kRounds, bench.killed_mid_flight << " of " << kRounds
                                                                 << " rounds killed mid-flight");
  MESSAGE(kRounds << " rounds in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                  << " s");
}

}  // namespace

TEST_CASE("crash: nexus-bridge killed during ADD" * doctest::skip(skip_root_tests())) {
  crash_rounds(Victim::Bridge, Verb::Add);
}

TEST_CASE("crash: nexus-bridge killed during DEL" * doctest::skip(skip_root_tests())) {
  crash_rounds(Victim::Bridge, Verb::Del);
}

TEST_CASE("crash: nexus-bridge killed during ADD, IPAM in-process" * doctest::skip(skip_root_tests())) {
  crash_rounds(Victim::BridgeIpamInProcess, Verb::Add);
}

TEST_CASE("crash: nexus-bridge killed during DEL, IPAM in-process" * doctest::skip(skip_root_tests())) {
  crash_rounds(Victim::BridgeIpamInProcess, Verb::Del);
}

TEST_CASE("crash: nexus-ipam killed under nexus-bridge's ADD" * doctest::skip(skip_root_tests())) {
  crash_rounds(Victim::Ipam, Verb::Add);
}

TEST_CASE("crash: nexus-ipam killed under nexus-bridge's DEL" * doctest::skip(skip_root_tests())) {
  crash_rounds(Victim::Ipam, Verb::Del);
}

TEST_CASE("crash: a runtime that lost the ADD's result still cleans up everything with DEL" *
          doctest::skip(skip_root_tests())) {
  CrashBench bench;
  const auto add = bench.run("ADD", "lost", bench.crash_ns, bench.conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out);
  REQUIRE(bench.masqueraded_now().size() == 2);
  // No prevResult: the elements to remove are found by their owner.
  const auto del = bench.run("DEL", "lost", bench.crash_ns, bench.conf);
  CHECK_MESSAGE(del.exit_code == 0, del.out);
  bench.check_only_steady_left();
}

namespace {

constexpr int kPortRounds = 30;  // under ASan too: 10 rounds there once all missed the published ports

// nexus-bridge killed during an ADD that publishes ports (portMappings), at a random instant: before IPAM, during
// it, and just after it, when the port helper gets the container's address and publishes. Beside the crashed
// attachment, two others hold published ports: one in the same network, one in another (another bridge); they
// must never change. After each kill the runtime cleans up (DEL without or with prevResult, or GC first), then a
// new ADD must be able to publish the same host ports.
struct PortCrash {
  CrashBench b;
  ContainerNetns holder_ns, other_ns;
  json port_conf;                       // the crashed ADD's and the probe's: 8080/tcp and 5353/udp
  std::multiset<PortElement> baseline;  // the holder's and the other network's elements
  int baseline_tokens = 0;

  PortCrash() {
    port_conf = publishing(b.conf, {{{"hostPort", 8080}, {"containerPort", 80}},
                                    {{"hostPort", 5353}, {"containerPort", 53}, {"protocol", "udp"}}});
    b.env.add_ok("holder", holder_ns, publishing(b.conf, {{{"hostPort", 7000}, {"containerPort", 80}}}));
    json other = b.env.config("10.68.0.0/24", {{"name", "othernet"}, {"bridge", "nxbr1"}}, "1.1.0");
    b.env.add_ok("other", other_ns, publishing(other, {{{"hostPort", 7001}, {"containerPort", 80}}}));
    baseline = port_elements();
    baseline_tokens = port_owner_tokens();
    REQUIRE(baseline.size() == 2);
    // The kill delays span a whole ADD with ports.
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = b.run("ADD", "probe", b.probe_ns, port_conf);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    b.add_us = static_cast<int>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    REQUIRE(b.run("DEL", "probe", b.probe_ns, with_prev(r.json())).exit_code == 0);
    REQUIRE(port_elements() == baseline);
  }

  static json publishing(json conf, const json& mappings) {
    conf["capabilities"] = {{"portMappings", true}};
    conf["runtimeConfig"]["portMappings"] = mappings;
    return conf;
  }

  json with_prev(const json& prev) const {
    json c = port_conf;
    if (!prev.is_null()) c["prevResult"] = prev;
    return c;
  }

  std::multiset<PortElement> elements_of(const std::string& owner) const {
    std::multiset<PortElement> out;
    for (const PortElement& e : port_elements())
      if (e.owner == owner) out.insert(e);
    return out;
  }

  // Everything but the crashed attachment's elements is the baseline.
  void check_others_untouched(const std::string& owner) const {
    std::multiset<PortElement> others;
    for (const PortElement& e : port_elements())
      if (e.owner != owner) others.insert(e);
    CHECK(others == baseline);
  }

  // Waits until IPAM has leased the crashed attachment its address, then kills nexus-bridge within the next few
  // ms: while it plugs the veth and the port helper publishes. True when it was still running.
  bool kill_once_leased(BackgroundPlugin& bridge, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (bridge.running() && b.leases_of(id).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution(0, 4000)(b.rng)));
    const bool running = bridge.running();
    bridge.kill();
    return running;
  }

  // The crashed ADD; its result when it printed one.
  json crash(const std::string& id, int n) {
    ::unlink(b.pid_file.c_str());
    BackgroundPlugin p(b.scratch, nexus_bridge_path(), plugin_env("ADD", id, b.crash_ns.path(), b.cni_path),
                       port_conf.dump());
    bool killed = false;
    if (n % 3 == 0) {
      killed = kill_once_leased(p, id);
    } else if (n % 3 == 1) {
      killed = b.kill_once_ipam_started(p);
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution(0, b.add_us)(b.rng)));
      killed = p.running();
      p.kill();
    }
    const bool ok = p.wait();
    b.killed_mid_flight += killed && !ok;
    // The port helper died with nexus-bridge and published nothing after the kill.
    const auto at_kill = elements_of(id + "/eth0");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK_MESSAGE(elements_of(id + "/eth0") == at_kill, "ports were published after nexus-bridge was killed");
    ++b.reached[ok ? "missed (finished)" : !at_kill.empty() ? "killed: ports published" : "killed: no ports yet"];
    if (!ok) return nullptr;
    const json out = json::parse(p.stdout_text(), nullptr, false);
    return out.is_discarded() || !out.contains("ips") ? json(nullptr) : out;
  }

  void gc() {
    json c = b.conf;
    c["cni.dev/valid-attachments"] =
        json::parse(R"([{"containerID":"steady","ifname":"eth0"},{"containerID":"holder","ifname":"eth0"}])");
    PluginCall call{.command = "GC"};
    call.cni_path = b.cni_path;
    const auto r = run_plugin(nexus_bridge_path(), call, c);
    CHECK_MESSAGE(r.exit_code == 0, r.out);
  }

  // A new ADD publishes the same host ports (nothing of the crashed one holds them), then goes again.
  void probe() {
    const auto r = b.run("ADD", "probe", b.probe_ns, port_conf);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    CHECK(elements_of("probe/eth0").size() == 2);
    REQUIRE(b.run("DEL", "probe", b.probe_ns, with_prev(r.json())).exit_code == 0);
  }

  void round(int n) {
    const std::string id = "crash-" + std::to_string(n);
    CAPTURE(id);
    const json prev = crash(id, n);
    check_others_untouched(id + "/eth0");
    if (n % 4 == 2) {  // GC with the crashed attachment not in the list: its ports and lease go
      gc();
      CHECK(elements_of(id + "/eth0").empty());
      CHECK(b.leases_of(id).empty());
    }
    // The runtime's DEL: every other round without prevResult; else with the ADD's result when it printed one, or
    // one naming the address IPAM leased (a runtime that kept a result of an earlier ADD of the attachment).
    json del_prev = n % 2 ? prev : json(nullptr);
    if (n % 2 && prev.is_null() && !b.leases_of(id).empty())
      del_prev = {{"cniVersion", "1.1.0"},
                  {"interfaces", json::array({{{"name", "eth0"}, {"sandbox", b.crash_ns.path()}}})},
                  {"ips", json::array({{{"address", b.leases_of(id).begin()->first + "/24"}, {"interface", 0}}})}};
    const auto d = b.run("DEL", id, b.crash_ns, with_prev(del_prev));
    CHECK_MESSAGE(d.exit_code == 0, d.out);
    CHECK(elements_of(id + "/eth0").empty());
    CHECK(b.leases_of(id).empty());
    CHECK(port_elements() == baseline);
    CHECK(port_owner_tokens() == baseline_tokens);
    CHECK(b.env.host_veths().size() == 3);  // steady, holder, other
    probe();
    CHECK(port_elements() == baseline);
  }
};

}  // namespace

TEST_CASE("crash: nexus-bridge killed while publishing ports" * doctest::skip(skip_root_tests())) {
  PortCrash pc;
  for (int n = 0; n < kPortRounds; ++n) pc.round(n);
  MESSAGE(pc.b.progress());
  CHECK_MESSAGE(pc.b.killed_mid_flight * 2 > kPortRounds, pc.b.killed_mid_flight << " of " << kPortRounds
                                                                    << " rounds killed mid-flight");
  // The case this test is for: killed after the helper published, before nexus-bridge answered.
  CHECK(pc.b.reached["killed: ports published"] > 0);
}
