// A gated delegated call (shared/cni/delegate.h): the plugin starts at once but acts only when released.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/cni/delegate.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/wait.h"

namespace cni = nexus::cni;
using nexus::testutil::TempDir;
using nexus::testutil::read_file;

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

// Waits (on the event, not a delay) until the recorder has read all of `stdin_data` and its `cat` blocks in
// read(0): the last moment before it would act, with only EOF missing. False if it acted, or after 20 s.
bool held_at_eof(const TempDir& dir, const std::string& stdin_data) {
  bool acted = false;
  const bool held = nexus::testutil::wait_until([&] {
    acted = !read_file(dir.path() + "/ran").empty();
    const std::string pid = read_file(dir.path() + "/pid");
    if (acted || pid.empty() || read_file(dir.path() + "/seen") != stdin_data) return acted;
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
  CHECK(held_at_eof(dir, req.stdin_data));  // it read everything and waits for the EOF the gate holds
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
