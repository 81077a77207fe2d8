// Multi-process tests of the lease store: concurrent allocation and crashes (SIGKILL) at every write step.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "shared/ipam/allocator.h"
#include "tests/unit/ipam/store_fixture.h"

using namespace nexus::ipam;
using namespace nexus::ipam::test;

namespace {

// Runs `body` in a child process; returns the raw wait status.
template <class Fn>
pid_t spawn(Fn body, bool quiet = false) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 0;
    try {
      body();
    } catch (const std::exception& e) {
      if (!quiet) std::fprintf(stderr, "child %d: %s\n", ::getpid(), e.what());
      code = 1;
    }
    ::_exit(code);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

int g_kill_at = -1;
int g_steps = 0;
void kill_at_step(const char*) {
  if (g_steps++ == g_kill_at) ::raise(SIGKILL);
}

const std::vector<RangeSet> kTwoSets() {
  return {range_set(R"([{"subnet": "10.0.0.0/28"}])"), range_set(R"([{"subnet": "fd00::/120"}])")};
}

// After any crash: no empty or partial lease file, and release or GC frees everything. (Index files and
// last_reserved_ip.N may be torn by a kill: both are written before anything depends on them, and a torn
// one costs only round robin's starting point or names no lease.)
void check_recovery(const StoreDir& t, bool use_gc, const std::vector<Attachment>& used) {
  for (const auto& name : lease_names(t.net())) {
    const std::string c = slurp(t.net() / name);
    const bool complete = c.size() > 6 && c.substr(c.size() - 6) == "\r\neth0" && c[0] != '\r';
    CHECK_MESSAGE(complete, "torn lease ", name, ": '", c, "'");
  }
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  if (use_gc) {
    gc(store, {});
  } else {
    for (const Attachment& a : used) release(store, a);
  }
  CHECK(lease_names(t.net()) == std::vector<std::string>{});
  CHECK(fs::is_empty(t.net() / ".nexus" / "tmp"));
  CHECK(fs::is_empty(t.net() / ".nexus" / "idx"));
  // Everything is released: no file, pooled inodes included, still names an attachment.
  for (const auto& e : fs::recursive_directory_iterator(t.root()))
    if (e.is_regular_file()) CHECK_MESSAGE(slurp(e.path()).find("\r\neth0") == std::string::npos, e.path());
}

}  // namespace

TEST_CASE("20 processes x 20 allocations into one small range: all unique, none lost") {
  StoreDir t;
  LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/23", "rangeEnd": "10.0.1.150"}])")};
  constexpr int kProcs = 20, kEach = 20;
  std::vector<std::pair<pid_t, int>> kids;
  for (int p = 0; p < kProcs; ++p) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = spawn([&, p] {
      ::close(fds[0]);
      LeaseStore store = LeaseStore::open(t.data(), "net1");
      std::string out;
      for (int i = 0; i < kEach; ++i) {
        const Attachment who{"p" + std::to_string(p) + "-" + std::to_string(i), "eth0"};
        out += allocate(store, sets, who)[0].to_string() + " " + who.container_id + "\n";
      }
      if (::write(fds[1], out.data(), out.size()) != static_cast<ssize_t>(out.size())) throw std::runtime_error("pipe");
    });
    ::close(fds[1]);
    kids.emplace_back(pid, fds[0]);
  }
  std::set<std::string> addresses;
  int lines = 0;
  for (auto [pid, fd] : kids) {
    const std::string out = read_all(fd);
    ::close(fd);
    CHECK(wait_status(pid) == 0);
    for (std::size_t pos = 0; pos < out.size();) {
      const std::size_t nl = out.find('\n', pos), sp = out.find(' ', pos);
      const std::string addr = out.substr(pos, sp - pos), id = out.substr(sp + 1, nl - sp - 1);
      CHECK(addresses.insert(addr).second);
      CHECK(slurp(t.net() / addr) == id + "\r\neth0");
      ++lines;
      pos = nl + 1;
    }
  }
  CHECK(lines == kProcs * kEach);
  CHECK(addresses.size() == kProcs * kEach);
  CHECK(lease_names(t.net()).size() == kProcs * kEach);
}

TEST_CASE("250 processes allocate at once from a /24 with 253 free addresses: all unique, then exhaustion") {
  StoreDir t;
  LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])")};
  std::vector<pid_t> kids;
  for (int p = 0; p < 256; ++p) {
    kids.push_back(spawn([&, p] {
      LeaseStore store = LeaseStore::open(t.data(), "net1");
      // 256 processes queue on one lock; on a loaded CI machine under ASan the last can wait longer than the
      // default 10 s. This case is about uniqueness and exhaustion, so a lock timeout must not count as either.
      store.set_lock_timeout(std::chrono::minutes(2));
      allocate(store, sets, {"c" + std::to_string(p), "eth0"});
    }, /*quiet=*/true));
  }
  int ok = 0, failed = 0;
  for (pid_t pid : kids) {
    const int status = wait_status(pid);
    (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ok : failed)++;
  }
  CHECK(ok == 253);  // .2 - .254
  CHECK(failed == 3);  // "no free addresses", code 11
  CHECK(lease_names(t.net()).size() == 253);
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  CHECK(!has_free_address(store, sets));
}

TEST_CASE("SIGKILL at every write step of allocate, release and gc leaves a state release/GC clean up") {
  const std::vector<Attachment> used{{"ctr-a", "eth0"}, {"ctr-b", "eth0"}, {"ctr-c", "eth0"}};
  bool named_temps = false;
  SUBCASE("spare inodes and O_TMPFILE") {}
  SUBCASE("named temps (file systems without O_TMPFILE)") { named_temps = true; }
  bool completed = false;
  int step = 0;
  for (; !completed && step < 200; ++step) {
    StoreDir t;
    LeaseStore::open(t.data(), "net1");
    const pid_t pid = spawn([&] {
      g_kill_at = step;
      testing::set_fault_hook(kill_at_step);
      testing::force_named_temps(named_temps);
      LeaseStore store = LeaseStore::open(t.data(), "net1");
      allocate(store, kTwoSets(), used[0]);
      allocate(store, kTwoSets(), used[1], {ip("10.0.0.9")});
      release(store, used[0]);
      allocate(store, kTwoSets(), used[2]);
      gc(store, {used[2]});
    });
    const int status = wait_status(pid);
    completed = WIFEXITED(status);
    if (completed) CHECK(WEXITSTATUS(status) == 0);
    else CHECK(WTERMSIG(status) == SIGKILL);
    check_recovery(t, step % 2 == 1, used);
  }
  CHECK(completed);
  MESSAGE("crash points exercised: ", step - 1);
  CHECK(step > 15);
}

TEST_CASE("SIGKILL at random instants during allocate/release loops: GC cleans up") {
  std::mt19937 rng(42);
  for (int round = 0; round < 25; ++round) {
    StoreDir t;
    LeaseStore::open(t.data(), "net1");
    const pid_t pid = spawn([&] {
      LeaseStore store = LeaseStore::open(t.data(), "net1");
      for (int i = 0;; ++i) {
        const Attachment who{"r" + std::to_string(i), "eth0"};
        allocate(store, kTwoSets(), who);
        if (i % 3 != 0) release(store, who);
        if (i % 7 == 0) gc(store, {});
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(200, 6000)(rng)));
    ::kill(pid, SIGKILL);
    CHECK(WTERMSIG(wait_status(pid)) == SIGKILL);
    check_recovery(t, true, {});
  }
}
