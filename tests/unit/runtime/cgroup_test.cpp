#include "shared/runtime/cgroup.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "shared/base/error.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;
using nexus::testutil::read_file;

TEST_CASE("shares_to_weight follows the runc/systemd conversion") {
  CHECK(shares_to_weight(2) == 1);
  CHECK(shares_to_weight(1024) == 39);
  CHECK(shares_to_weight(512) == 20);
  CHECK(shares_to_weight(262144) == 10000);
  CHECK(shares_to_weight(0) == 0);
}

TEST_CASE("detect_cgroup_version tells a v1/hybrid layout from a unified one") {
  nexus::testutil::TempDir v1, v2;
  ::mkdir((v1.path() + "/memory").c_str(), 0755);
  std::ofstream(v2.path() + "/cgroup.controllers") << "cpu memory pids\n";
  CHECK(detect_cgroup_version(v1.path()) == CgroupVersion::V1);
  CHECK(detect_cgroup_version(v2.path()) == CgroupVersion::V2);
}

TEST_CASE("cgroup v1 writes memory.limit_in_bytes and cpu.shares in their hierarchies") {
  nexus::testutil::TempDir root;
  ::mkdir((root.path() + "/memory").c_str(), 0755);
  ::mkdir((root.path() + "/cpu").c_str(), 0755);
  auto cg = open_cgroup(CgroupVersion::V1, root.path(), "nexus", "n1");
  CHECK_FALSE(cg->exists());
  cg->create({256ull << 20, 512});
  CHECK(cg->exists());
  CHECK(read_file(root.path() + "/memory/nexus/n1/memory.limit_in_bytes") == "268435456");
  CHECK(read_file(root.path() + "/cpu/nexus/n1/cpu.shares") == "512");
  CHECK(cg->paths() == std::vector<std::string>{root.path() + "/memory/nexus/n1", root.path() + "/cpu/nexus/n1"});
  cg->add_process(42);
  CHECK(read_file(root.path() + "/cpu/nexus/n1/cgroup.procs") == "42");
  CHECK_THROWS_AS(open_cgroup(CgroupVersion::V1, root.path(), "nexus", "n1")->create({}), nexus::Error);
}

TEST_CASE("cgroup v2 enables controllers down the tree and writes memory.max and cpu.weight") {
  nexus::testutil::TempDir root;
  std::ofstream(root.path() + "/cgroup.controllers") << "cpu memory\n";
  ::mkdir((root.path() + "/nexus").c_str(), 0755);
  std::ofstream(root.path() + "/nexus/cgroup.controllers") << "cpu memory\n";
  auto cg = open_cgroup(CgroupVersion::V2, root.path(), "nexus", "n1");
  cg->create({256ull << 20, 512});
  CHECK(read_file(root.path() + "/nexus/n1/memory.max") == "268435456");
  CHECK(read_file(root.path() + "/nexus/n1/cpu.weight") == "20");
  // write_file truncates: the last controller written is what the fake file holds.
  CHECK(read_file(root.path() + "/nexus/cgroup.subtree_control") == "+cpu");
  CHECK(cg->paths() == std::vector<std::string>{root.path() + "/nexus/n1"});
}

TEST_CASE("cgroup v2 says which controller is missing") {
  nexus::testutil::TempDir root;
  std::ofstream(root.path() + "/cgroup.controllers") << "pids\n";
  try {
    open_cgroup(CgroupVersion::V2, root.path(), "nexus", "n1")->create({1 << 20, 0});
    FAIL("no error");
  } catch (const nexus::Error& e) {
    CHECK(std::string(e.what()).find("'memory'") != std::string::npos);
  }
}
