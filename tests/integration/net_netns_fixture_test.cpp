// The test fixtures themselves: if these lie, every integration test could touch the real host.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <stdexcept>

#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;

namespace {
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}
}  // namespace

TEST_CASE("run_command captures exit code, stdout, stderr and feeds stdin") {
  const CommandResult r = run_shell("cat; echo err >&2; exit 3", {.stdin_data = "hello"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "hello");
  CHECK(r.err == "err\n");
  CHECK(run_command({"/nonexistent-binary"}).exit_code == 127);
  CHECK(run_shell("kill -9 $$").exit_code == 128 + 9);
}

TEST_CASE("run_command passes environment and enforces the timeout") {
  CHECK(run_shell("printf %s \"$NXT_X\"", {.env = {"NXT_X=42"}}).out == "42");
  CHECK(run_command({"/usr/bin/env"}, {.env = {"A=1"}, .clear_env = true}).out == "A=1\n");
  CHECK(run_shell("sleep 5", {.timeout_ms = 100}).exit_code == -1);
  // A background child keeping stdout open must not make us wait for it.
  CHECK(run_shell("sleep 5 & echo started", {.timeout_ms = 2000}).out == "started\n");
}

TEST_CASE("TestNetns is a named netns usable with ip netns, removed on destruction" *
          doctest::skip(skip_root_tests())) {
  std::string path;
  const unsigned long outer = current_netns_inode();
  {
    TestNetns ns;
    path = ns.path();
    CHECK(exists(path));
    CHECK(current_netns_inode() == outer);
    CHECK(run_command({"ip", "netns", "exec", ns.name(), "true"}).exit_code == 0);
    const CommandResult lo = run_in_netns(ns, "ip -o link show lo");
    CHECK(lo.out.find("state DOWN") != std::string::npos);
    ns.set_lo_up();
    CHECK(run_in_netns(ns, "ip -o link show lo").out.find("UP") != std::string::npos);
    CHECK(current_netns_inode() == outer);
  }
  CHECK_FALSE(exists(path));
}

TEST_CASE("HostNetns enters a fresh netns with lo up and switches back, also on exceptions" *
          doctest::skip(skip_root_tests())) {
  const unsigned long outer = current_netns_inode();
  std::string path;
  try {
    HostNetns host;
    path = host.path();
    CHECK(current_netns_inode() != outer);
    // Children spawned from this thread live in the host netns.
    CHECK(run_shell("ip -o link show lo").out.find("LOWER_UP") != std::string::npos);
    CHECK(run_shell("ip link add nxt-dummy type bridge").exit_code == 0);
    CHECK(run_in_netns(host, "ip -o link show nxt-dummy").exit_code == 0);
    throw std::runtime_error("boom");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "boom");
  }
  CHECK(current_netns_inode() == outer);
  CHECK_FALSE(exists(path));
  CHECK_FALSE(has_link("nxt-dummy"));
}

TEST_CASE("a TestNetns made inside a HostNetns is independent of it" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  ContainerNetns container;
  const unsigned long host_inode = current_netns_inode();
  CHECK(run_in_netns(container, "ip link add nxt-c type bridge").exit_code == 0);
  CHECK_FALSE(has_link("nxt-c"));
  CHECK(run_in_netns(container, "ip -o link show nxt-c").exit_code == 0);
  // A veth made from the host with its peer moved into the container: one end each side.
  REQUIRE(run_shell("ip link add h0 type veth peer name c0 netns " + container.name()).exit_code == 0);
  CHECK(run_shell("ip -o link show h0").exit_code == 0);
  CHECK(run_in_netns(container, "ip -o link show c0").exit_code == 0);
  CHECK(current_netns_inode() == host_inode);
}

TEST_CASE("children in a test netns see its interfaces in /sys/class/net" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  ContainerNetns container;
  REQUIRE(run_shell("ip link add nxsys0 type veth peer name nxsys1 netns " + container.name()).exit_code == 0);
  CHECK(run_in_netns(host, "cat /sys/class/net/nxsys0/ifindex").exit_code == 0);
  CHECK(run_shell("ls /sys/class/net", {.fresh_sysfs = true}).out == "lo\nnxsys0\n");
  CHECK(run_shell("ls /sys/class/net").out != "lo\nnxsys0\n");  // default: the caller's /sys, the real host's
  CHECK(run_in_netns(container, "ls /sys/class/net").out == "lo\nnxsys1\n");
  // The fresh /sys keeps the cgroup mounts that runc and the launcher need.
  CHECK(run_shell("ls /sys/fs/cgroup", {.fresh_sysfs = true}).out == run_shell("ls /sys/fs/cgroup").out);
}

TEST_CASE("HostNetns objects nest and unwind in order" * doctest::skip(skip_root_tests())) {
  const unsigned long outer = current_netns_inode();
  {
    HostNetns first;
    const unsigned long first_inode = current_netns_inode();
    {
      HostNetns second;
      CHECK(current_netns_inode() != first_inode);
    }
    CHECK(current_netns_inode() == first_inode);
  }
  CHECK(current_netns_inode() == outer);
}
