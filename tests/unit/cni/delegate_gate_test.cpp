// A gated delegated call (shared/cni/delegate.h): the plugin starts at once but acts only when released, never
// once its caller died, and is not waited for forever.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "shared/base/error.h"
#include "shared/cni/delegate.h"
#include "tests/testutil/background_plugin.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/wait.h"

namespace cni = nexus::cni;
using nexus::testutil::TempDir;
using nexus::testutil::read_file;
using nexus::testutil::run_until_killed;
using nexus::testutil::wait_dead;

namespace {

// A plugin that, like every CNI plugin, reads its whole stdin first, then acts: here, records that it ran.
// It also records its pid and what it read, so tests can wait for the moment it would act (see held_at_eof).
cni::Request fake_plugin_request(const TempDir& dir) {
  const std::string plugin = dir.path() + "/recorder";
  std::ofstream(plugin) << "#!/bin/sh\necho $$ > \"" << dir.path() << "/pid\"\ncat > \"" << dir.path()
                        << "/seen\"\necho \"$CNI_COMMAND\" >> \"" << dir.path() << "/ran\"\necho '{}'\n";
  ::chmod(plugin.c_str(), 0755);
  cni::Request req;
  req.cni_path = dir.path();
  req.environment = {{"PATH", "/usr/bin:/bin"}};
  req.stdin_data = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}";
  return req;
}

// A plugin named `name` in `dir` running the shell `body`, which may use $D (the directory).
void write_plugin(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string plugin = dir.path() + "/" + name;
  std::ofstream(plugin) << "#!/bin/sh\nD=" << dir.path() << "\n" << body;
  ::chmod(plugin.c_str(), 0755);
}

// Polls for a file to have content (the plugin has got that far); the caller is not a doctest thread.
std::string await_file(const std::string& path, int timeout_ms = 3000) {
  for (int waited = 0; waited < timeout_ms; waited += 2) {
    if (std::string text = read_file(path); !text.empty()) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return {};
}

pid_t pid_in(const std::string& path) {
  const std::string text = read_file(path);
  return text.empty() ? -1 : std::stoi(text);
}

enum class Gate { Held, Released };

// Starts the gated `plugin` from a child caller that waits until the plugin has written its pid (after
// releasing it, for Gate::Released) and is then killed, as a runtime may kill a plugin that delegates.
void kill_caller_of(const TempDir& dir, const std::string& plugin, const std::string& command,
                    const cni::Request& req, Gate gate) {
  run_until_killed([&] {
    cni::PendingDelegate call = cni::delegate_async(plugin, command, req, /*gated=*/true);
    if (gate == Gate::Released) call.release();
    await_file(dir.path() + "/pid");
    nexus::testutil::die_now();
  });
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

// Waits (on the event, not a delay) until the recorder has read all the gate lets through (`stdin_data` but for
// its last byte) and its `cat` blocks in read(0): the last moment before it would act. False if it acted, or
// after 20 s.
bool held_at_eof(const TempDir& dir, const std::string& stdin_data) {
  bool acted = false;
  const bool held = nexus::testutil::wait_until([&] {
    acted = !read_file(dir.path() + "/ran").empty();
    const std::string pid = read_file(dir.path() + "/pid");
    const std::string given = stdin_data.substr(0, stdin_data.size() - 1);
    if (acted || pid.empty() || read_file(dir.path() + "/seen") != given) return acted;
    const std::string sh = pid.substr(0, pid.find('\n'));
    std::istringstream children(read_file("/proc/" + sh + "/task/" + sh + "/children"));
    for (std::string cat; children >> cat;)
      if (read_file("/proc/" + cat + "/syscall").starts_with("0 0x0 ")) return true;  // blocked in read(0, ...)
    return false;
  });
  return held && !acted;
}

}  // namespace

TEST_CASE("delegate: a gated plugin acts only once released") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  cni::PendingDelegate call = cni::delegate_async("recorder", "DEL", req, /*gated=*/true);
  CHECK(held_at_eof(dir, req.stdin_data));  // it read all it was given and waits for the last byte
  CHECK(read_file(dir.path() + "/ran").empty());
  call.release();
  CHECK(call.get() == "{}\n");
  CHECK(read_file(dir.path() + "/ran") == "DEL\n");
}

TEST_CASE("delegate: a gated plugin never released is killed before it acts") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  { cni::PendingDelegate call = cni::delegate_async("recorder", "DEL", req, /*gated=*/true); }
  // The destructor killed and reaped the shell: it cannot act later. (No pid: killed before it even started.)
  const std::string pid = read_file(dir.path() + "/pid");
  if (!pid.empty()) CHECK_FALSE(std::filesystem::exists("/proc/" + pid.substr(0, pid.find('\n'))));
  CHECK(read_file(dir.path() + "/ran").empty());
}

TEST_CASE("delegate: an ungated call runs at once") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  cni::PendingDelegate call = cni::delegate_async("recorder", "ADD", req);
  CHECK(call.get() == "{}\n");
  CHECK(read_file(dir.path() + "/ran") == "ADD\n");
}

TEST_CASE("delegate: a gated plugin whose caller is killed before the go signal never acts") {
  TempDir dir;
  cni::Request req = fake_plugin_request(dir);
  // Like every CNI plugin it acts only on a whole configuration (its JSON parses): the caller's death closes the
  // plugin's stdin a moment before the kernel sends the parent-death signal, and a plugin that acted on any end
  // of its input could act in between; the held last byte is what stops a real one there.
  write_plugin(dir, "held",
               "echo $$ > $D/pid\ncat > $D/seen\ncase \"$(cat $D/seen)\" in *\"}\") echo \"$CNI_COMMAND\" >> $D/ran ;; esac\n");
  kill_caller_of(dir, "held", "ADD", req, Gate::Held);  // once it has started, and is held
  const pid_t plugin = pid_in(dir.path() + "/pid");
  REQUIRE(plugin > 0);
  CHECK(wait_dead(plugin, 1000));
  ::usleep(300 * 1000);  // time enough to have acted on the end of its stdin
  CHECK(read_file(dir.path() + "/ran").empty());
}

TEST_CASE("delegate: a gated plugin that outlives its killed caller reads a truncated configuration") {
  TempDir dir;
  cni::Request req = fake_plugin_request(dir);
  req.stdin_data = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"type\":\"x\"}}\n";
  // It escapes the parent-death signal the way any grandchild does: a plugin need not be one process.
  write_plugin(dir, "survivor",
               "exec 3<&0\n( cat <&3 > $D/seen.tmp; mv $D/seen.tmp $D/seen ) &\necho $$ > $D/pid\nwait\n");
  kill_caller_of(dir, "survivor", "ADD", req, Gate::Held);
  const std::string seen = await_file(dir.path() + "/seen");
  CHECK(seen == req.stdin_data.substr(0, req.stdin_data.rfind('}')));
  CHECK(nlohmann::json::parse(seen, nullptr, false).is_discarded());
}

TEST_CASE("delegate: a released plugin dies with its killed caller") {
  TempDir dir;
  cni::Request req = fake_plugin_request(dir);
  write_plugin(dir, "slow", "cat >/dev/null\necho $$ > $D/pid\nsleep 0.3\necho \"$CNI_COMMAND\" >> $D/ran\n");
  kill_caller_of(dir, "slow", "DEL", req, Gate::Released);  // once it has read its whole configuration, acting
  const pid_t plugin = pid_in(dir.path() + "/pid");
  REQUIRE(plugin > 0);
  CHECK(wait_dead(plugin, 1000));
  ::usleep(600 * 1000);
  CHECK_MESSAGE(read_file(dir.path() + "/ran").empty(), read_file(dir.path() + "/ran"));
}

TEST_CASE("delegate: a hung plugin is killed at the timeout, with an error naming it and the limit") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  write_plugin(dir, "hung", "cat >/dev/null\necho $$ > $D/pid\nexec sleep 30\n");
  ScopedEnv limit("NEXUS_DELEGATE_TIMEOUT_MS", "200");
  auto expect_timeout = [&](const std::function<void()>& call) {
    ::unlink((dir.path() + "/pid").c_str());
    const auto start = std::chrono::steady_clock::now();
    try {
      call();
      FAIL("no error for a plugin that never finished");
    } catch (const nexus::Error& e) {
      CHECK(e.code() == nexus::Code::TryAgainLater);
      CHECK_MESSAGE(std::string(e.what()).find("plugin hung ") != std::string::npos, e.what());
      CHECK_MESSAGE(std::string(e.what()).find("200 ms") != std::string::npos, e.what());
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));  // long before the plugin ends
    const pid_t plugin = pid_in(dir.path() + "/pid");
    CHECK(plugin > 0);
    CHECK(nexus::testutil::state_of(plugin) == 0);  // killed and reaped
  };
  SUBCASE("gated, the way nexus-bridge runs IPAM") {
    expect_timeout([&] {
      cni::PendingDelegate call = cni::delegate_async("hung", "ADD", req, /*gated=*/true);
      call.release();
      call.get();
    });
  }
  SUBCASE("a plain delegated call") {
    expect_timeout([&] { cni::delegate("hung", "DEL", req); });
  }
}
