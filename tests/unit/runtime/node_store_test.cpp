#include "shared/runtime/node_store.h"

#include <doctest/doctest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include "shared/base/error.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;

TEST_CASE("valid_node_name accepts DNS labels only") {
  CHECK(valid_node_name("node-001"));
  CHECK(valid_node_name("a"));
  CHECK_FALSE(valid_node_name(""));
  CHECK_FALSE(valid_node_name("Node"));
  CHECK_FALSE(valid_node_name("-a"));
  CHECK_FALSE(valid_node_name("a-"));
  CHECK_FALSE(valid_node_name("a_b"));
  CHECK_FALSE(valid_node_name("../etc"));
  CHECK_FALSE(valid_node_name(std::string(64, 'a')));
  CHECK(valid_node_name(std::string(63, 'a')));
}

TEST_CASE("records round-trip through JSON") {
  NodeRecord r;
  r.name = "n1";
  r.state = "running";
  r.pid = 123;
  r.start_time = 456;
  r.memory_mib = 256;
  r.cpu_shares = 512;
  r.cni_args = {{"IP", "10.0.0.2"}};
  r.addresses = {*nexus::IpPrefix::parse("10.0.0.2/24")};
  r.command = {"sleep", "1"};
  NodeRecord back = node_from_json(to_json(r));
  CHECK(back.name == "n1");
  CHECK(back.state == "running");
  CHECK(back.pid == 123);
  CHECK(back.start_time == 456);
  CHECK(back.memory_mib == 256);
  CHECK(back.cni_args == r.cni_args);
  CHECK(back.addresses == r.addresses);
  CHECK(back.command == r.command);
}

TEST_CASE("NodeStore creates, saves, lists and removes nodes; a taken name is an error") {
  nexus::testutil::TempDir dir;
  NodeStore store(dir.path());
  FileLock lock = store.lock_exclusive();
  store.create_node_dir("b");
  store.create_node_dir("a");
  CHECK_THROWS_AS(store.create_node_dir("a"), nexus::Error);
  NodeRecord a, b;
  a.name = "a";
  b.name = "b";
  store.save(b);
  store.save(a);
  std::vector<NodeRecord> nodes = store.list();
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].name == "a");
  CHECK(store.find("b"));
  CHECK_FALSE(store.find("c"));
  CHECK_FALSE(store.find("../x"));
  store.remove("a");
  store.remove("a");
  CHECK_FALSE(store.exists("a"));
  CHECK(store.list().size() == 1);
}

TEST_CASE("the exclusive lock excludes other holders until released") {
  nexus::testutil::TempDir dir;
  NodeStore store(dir.path());
  {
    FileLock held = store.lock_exclusive();
    int fd = ::open((dir.path() + "/lock").c_str(), O_RDWR | O_CLOEXEC);
    CHECK(::flock(fd, LOCK_EX | LOCK_NB) != 0);
    ::close(fd);
  }
  int fd = ::open((dir.path() + "/lock").c_str(), O_RDWR | O_CLOEXEC);
  CHECK(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  ::close(fd);
}
