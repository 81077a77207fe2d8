// Crash injection: nexus-bridge, or its nexus-ipam child, is SIGKILLed at a random instant of an ADD or a DEL,
// round after round. Then the runtime's cleanup (DEL, with prevResult only when the ADD printed one, and GC)
// must leave no lease, veth, nft element or stale lock, and no address may ever be held by two attachments.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr int kRounds = 40;  // per kind of crash
constexpr const char* kNet = "10.67.0.0/24";
constexpr int kIpamMaxUs = 1500;  // nexus-ipam's whole run (exec included) takes about this long

// A plugin started in the background (in the caller's netns), so the test can kill it mid-flight.
class Spawned {
 public:
  Spawned(const TempDir& scratch, const std::string& plugin, const std::vector<std::string>& env,
          const std::string& config)
      : out_path_(scratch.path() + "/stdout") {
    const std::string in_path = scratch.path() + "/stdin";
    std::ofstream(in_path) << config;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv{const_cast<char*>(plugin.c_str()), nullptr};
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, plugin.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
  }
  ~Spawned() {
    if (pid_ > 0) wait();
  }
  pid_t pid() const { return pid_; }
  bool running() const {
    siginfo_t info{};
    return ::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
  }
  void kill() { ::kill(pid_, SIGKILL); }
  /// Reaps it; true when it exited 0 (then stdout() is its result).
  bool wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  std::string stdout_text() const { return read_file(out_path_); }

 private:
  std::string out_path_;
  pid_t pid_ = -1;
};

std::vector<std::string> plugin_env(const std::string& command, const std::string& id, const std::string& netns,
                                    const std::string& cni_path) {
  return {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id,
          "CNI_NETNS=" + netns, "CNI_IFNAME=eth0", "CNI_PATH=" + cni_path};
}


// Fields 3 (state) and 4 (parent pid) of /proc/<pid>/stat ({0, 0} when it is gone).
std::pair<char, pid_t> stat_of(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return {0, 0};
  std::istringstream rest(stat.substr(close + 2));
  char state = 0;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return {state, ppid};
}
pid_t parent_of(pid_t pid) { return stat_of(pid).second; }
char state_of(pid_t pid) { return stat_of(pid).first; }

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

enum class Victim { Bridge, Ipam };
enum class Verb { Add, Del };

struct CrashBench {
  BridgeEnv env;
  TempDir scratch, wrapper_dir;
  ContainerNetns steady_ns, crash_ns, probe_ns;
  json conf;
  std::string steady_address, cni_path, pid_file;
  int bridge_us = 30000;
  std::mt19937 rng{std::random_device{}()};
  // How far the killed command had got, over the rounds: shows the kills land all along the command.
  std::map<std::string, int> reached;

  CrashBench() {
    conf = env.config(kNet, {{"ipMasq", true}}, "1.1.0");
    // nexus-ipam as the bridge finds it first in CNI_PATH: records its pid, then becomes the real plugin.
    pid_file = scratch.path() + "/ipam.pid";
    const std::string wrapper = wrapper_dir.path() + "/nexus-ipam";
    std::ofstream(wrapper) << "#!/bin/sh\necho $$ > " << pid_file << ".tmp && mv " << pid_file << ".tmp "
                           << pid_file << "\nexec " << nexus_plugin_dir() << "/nexus-ipam\n";
    REQUIRE(::chmod(wrapper.c_str(), 0755) == 0);
    cni_path = wrapper_dir.path() + ":" + default_cni_path();
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = env.run("ADD", "steady", steady_ns.path(), conf);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    // Kill delays span a whole ADD: this first one, then each probe's.
    bridge_us = static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(
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
    Spawned p(scratch, nexus_bridge_path(), plugin_env(command, id, crash_ns.path(), cni_path), c.dump());
    bool killed = false;
    if (victim == Victim::Bridge) {
      // Every other round aims at the second half, where the steps after IPAM (veth, addresses, nft) are.
      const int delay = std::uniform_int_distribution(n % 2 ? bridge_us / 3 : 0, bridge_us)(rng);
      std::this_thread::sleep_for(std::chrono::microseconds(delay));
      killed = p.running();
      p.kill();
    } else {
      killed = kill_ipam_child(p);
    }
    const bool ok = p.wait();
    ++reached[!killed ? "missed (finished first)" : ok ? "kill sent, but it was already exiting" : "killed"];
    if (!ok) return nullptr;
    const json out = json::parse(p.stdout_text(), nullptr, false);
    return out.is_discarded() || !out.contains("ips") ? json(nullptr) : out;
  }

  // Waits for the wrapper to record the IPAM child's pid, then kills it after a random delay if it is still
  // the bridge's running child; true when it was.
  bool kill_ipam_child(Spawned& bridge) {
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
    bridge_us = static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
    const std::string a = first_address(r.json());
    CHECK_MESSAGE(a != steady_address, a);
    CHECK_MESSAGE(taken.count(a) == 0, "probe got " << a << ", still on the crashed container");
    REQUIRE(run("DEL", "probe", probe_ns, with_prev(r.json())).exit_code == 0);
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
  }
};

void crash_rounds(Victim victim, Verb verb) {
  const auto start = std::chrono::steady_clock::now();
  CrashBench bench;
  for (int n = 0; n < kRounds; ++n) bench.round(victim, verb, n);
  MESSAGE(bench.progress());
  MESSAGE(kRounds << " rounds in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                  << " s");
}

}  // namespace

TEST_CASE("crash: nexus-bridge killed during ADD" * doctest::skip(skip_root_tests()) * doctest::timeout(60)) {
  crash_rounds(Victim::Bridge, Verb::Add);
}

TEST_CASE("crash: nexus-bridge killed during DEL" * doctest::skip(skip_root_tests()) * doctest::timeout(60)) {
  crash_rounds(Victim::Bridge, Verb::Del);
}

TEST_CASE("crash: nexus-ipam killed under nexus-bridge's ADD" * doctest::skip(skip_root_tests()) *
          doctest::timeout(60)) {
  crash_rounds(Victim::Ipam, Verb::Add);
}

TEST_CASE("crash: nexus-ipam killed under nexus-bridge's DEL" * doctest::skip(skip_root_tests()) *
          doctest::timeout(60)) {
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
