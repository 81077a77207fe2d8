// A gated delegated call (shared/cni/delegate.h): the plugin starts at once but acts only when released.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "shared/cni/delegate.h"
#include "tests/testutil/temp_dir.h"

namespace cni = nexus::cni;
using nexus::testutil::TempDir;
using nexus::testutil::read_file;

namespace {

// A plugin that, like every CNI plugin, reads its whole stdin first, then acts: here, records that it ran.
cni::Request fake_plugin_request(const TempDir& dir) {
  const std::string plugin = dir.path() + "/recorder";
  std::ofstream(plugin) << "#!/bin/sh\ncat >/dev/null\necho \"$CNI_COMMAND\" >> \"" << dir.path()
                        << "/ran\"\necho '{}'\n";
  ::chmod(plugin.c_str(), 0755);
  cni::Request req;
  req.cni_path = dir.path();
  req.environment = {{"PATH", "/usr/bin:/bin"}};
  req.stdin_data = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}";
  return req;
}

}  // namespace

TEST_CASE("delegate: a gated plugin acts only once released") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  cni::PendingDelegate call = cni::delegate_async("recorder", "DEL", req, /*gated=*/true);
  ::usleep(100 * 1000);  // time enough to have acted, were it not held at the end of its stdin
  CHECK(read_file(dir.path() + "/ran").empty());
  call.release();
  CHECK(call.get() == "{}\n");
  CHECK(read_file(dir.path() + "/ran") == "DEL\n");
}

TEST_CASE("delegate: a gated plugin never released is killed before it acts") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  { cni::PendingDelegate call = cni::delegate_async("recorder", "DEL", req, /*gated=*/true); }
  ::usleep(100 * 1000);
  CHECK(read_file(dir.path() + "/ran").empty());
}

TEST_CASE("delegate: an ungated call runs at once") {
  TempDir dir;
  const cni::Request req = fake_plugin_request(dir);
  cni::PendingDelegate call = cni::delegate_async("recorder", "ADD", req);
  CHECK(call.get() == "{}\n");
  CHECK(read_file(dir.path() + "/ran") == "ADD\n");
}
