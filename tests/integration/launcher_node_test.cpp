// nexus node lifecycle as root, with the reference bridge + host-local, isolated by LauncherWorld.
#include <doctest/doctest.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/statfs.h>

#include <filesystem>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/host_skip.h"
#include "tests/testutil/root.h"
#include "tests/testutil/wait.h"

using namespace nexus::launcher_test;
using nexus::testutil::read_file;
namespace fs = std::filesystem;

namespace {

void create(const LauncherWorld& w, const std::vector<std::string>& args) {
  std::vector<std::string> all{"node", "create"};
  all.insert(all.end(), args.begin(), args.end());
  CommandResult r = w.nexus(all);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

int exec(const LauncherWorld& w, const std::string& node, const std::string& shell, std::string* out = nullptr) {
  CommandResult r = w.nexus({"node", "exec", node, "--", "sh", "-c", shell});
  if (out) *out = r.out;
  return r.exit_code;
}

}  // namespace

TEST_CASE("three nodes reach each other by name and the gateway; hosts follow nodes coming and going" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  for (const char* name : {"n1", "n2", "n3"}) create(w, {name, "--net", "ittest"});
  for (const char* from : {"n1", "n2", "n3"}) {
    for (const std::string& target : {std::string("n1"), std::string("n2"), std::string("n3"), kSubnet + ".1"}) {
      CAPTURE(from);
      CAPTURE(target);
      CHECK(exec(w, from, "ping -c1 -W2 " + target + " >/dev/null") == 0);
    }
  }
  // The test's host reaches a node too.
  CHECK(nexus::testutil::run_shell("ping -c1 -W2 " + kSubnet + ".2 >/dev/null").exit_code == 0);
  std::string hosts;
  exec(w, "n1", "cat /etc/hosts", &hosts);
  CHECK(hosts.find("\tn3\n") != std::string::npos);
  REQUIRE(w.nexus({"node", "delete", "n3"}).exit_code == 0);
  exec(w, "n1", "cat /etc/hosts", &hosts);
  CHECK(hosts.find("\tn3\n") == std::string::npos);
  CHECK(exec(w, "n1", "ping -c1 -W1 n3 >/dev/null 2>&1") != 0);
  // The host's own /etc/hosts is untouched: the file is bind-mounted into the node's mount namespace only.
  CHECK(read_file("/etc/hosts").find("\tn1\n") == std::string::npos);
}

TEST_CASE("limits appear in the node's cgroup and the process is in it" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  create(w, {"lim", "--net", "ittest", "--mem", "64", "--cpu", "512"});
  auto node = w.show("lim");
  REQUIRE(node.is_object());
  const std::string pid = std::to_string(node["pid"].get<int>());
  auto paths = node["cgroupPaths"].get<std::vector<std::string>>();
  if (node["cgroupVersion"] == "v2") {
    CHECK(read_file(paths[0] + "/memory.max") == "67108864\n");
    CHECK(read_file(paths[0] + "/cpu.weight") == "20\n");
  } else {
    REQUIRE(paths.size() == 2);
    CHECK(read_file(paths[0] + "/memory.limit_in_bytes") == "67108864\n");
    CHECK(read_file(paths[1] + "/cpu.shares") == "512\n");
  }
  for (const std::string& dir : paths) CHECK(read_file(dir + "/cgroup.procs").find(pid + "\n") != std::string::npos);
  // exec joins the cgroup too: the command sees it in /proc/self/cgroup.
  std::string cgroups;
  exec(w, "lim", "cat /proc/self/cgroup", &cgroups);
  CHECK(cgroups.find(w.cgroup_parent() + "/lim") != std::string::npos);
  CommandResult list = w.nexus({"node", "list"});
  CHECK(list.out.find("64MiB") != std::string::npos);
  CHECK(list.out.find("512") != std::string::npos);
}

TEST_CASE("exec returns the command's status and runs in the node's namespaces" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  create(w, {"ex1", "--net", "ittest", "--ip", kSubnet + ".77"});
  CHECK(exec(w, "ex1", "exit 42") == 42);
  CHECK(exec(w, "ex1", "true") == 0);
  std::string out;
  exec(w, "ex1", "hostname; ip -o -4 addr show eth0; cat /proc/1/comm; ls /proc | grep -c '^[0-9]'", &out);
  CHECK(out.find("ex1\n") == 0);
  CHECK(out.find(kSubnet + ".77/24") != std::string::npos);
  CHECK(out.find("nexus-init\n") != std::string::npos);
  CHECK(w.nexus({"node", "exec", "ex1", "--", "/nonexistent"}).exit_code == 127);
  CHECK(w.nexus({"node", "check", "ex1"}).exit_code == 0);
  auto shown = w.show("ex1");
  CHECK(shown["status"] == "running");
  CHECK(shown["cniResult"]["ips"][0]["address"] == kSubnet + ".77/24");
  // A refusal (exit 1, the launcher's error line), not a crash, which also exits non-zero under the sanitizers.
  CommandResult nosuch = w.nexus({"node", "exec", "nosuch", "--", "true"});
  CHECK(nosuch.exit_code == 1);
  CHECK(nosuch.err == "nexus: error: no node named 'nosuch'\n  see the existing nodes with: nexus node list\n");
}

TEST_CASE("a node runs a given command as a child of its init" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  create(w, {"cmd1", "--net", "ittest", "--", "sleep", "1000"});
  std::string out;
  exec(w, "cmd1", "cat /proc/2/cmdline | tr '\\0' ' '", &out);
  CHECK(out == "sleep 1000 ");
  CommandResult bad = w.nexus({"node", "create", "cmd2", "--net", "ittest", "--", "/no/such/program"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("cannot run '/no/such/program'") != std::string::npos);
  CHECK_FALSE(fs::exists(w.state_dir() + "/nodes/cmd2"));
  CHECK(w.leases().size() == 1);
}

TEST_CASE("delete releases the lease and leaves no veth, netns pin, cgroup, cache or state; twice is fine" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  create(w, {"d1", "--net", "ittest", "--mem", "32"});
  CHECK(w.leases().size() == 1);
  CHECK(w.veths().size() == 1);
  CHECK(fs::exists(w.netns_dir() + "/d1"));
  CHECK(w.node_cgroups() == std::vector<std::string>{"d1"});
  CHECK(nexus::testutil::list_dir(w.path() + "/cache/results") == std::vector<std::string>{"ittest-d1-eth0"});
  CommandResult del = w.nexus({"node", "delete", "d1"});
  INFO(del.err);
  CHECK(del.exit_code == 0);
  CHECK(w.leases().empty());
  CHECK(w.veths().empty());
  CHECK_FALSE(fs::exists(w.netns_dir() + "/d1"));
  CHECK(w.node_cgroups().empty());
  CHECK(nexus::testutil::list_dir(w.path() + "/cache/results").empty());
  CHECK(nexus::testutil::list_dir(w.state_dir() + "/nodes").empty());
  CHECK(w.nexus({"node", "delete", "d1"}).exit_code == 0);
}

TEST_CASE("a node whose process was killed is cleaned by gc; delete also works on it" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  create(w, {"k1", "--net", "ittest"});
  create(w, {"k2", "--net", "ittest"});
  create(w, {"keep", "--net", "ittest"});
  for (const char* name : {"k1", "k2"}) ::kill(w.show(name)["pid"].get<int>(), SIGKILL);
  // Wait for the deaths themselves (SIGKILL is asynchronous), not for a guessed delay.
  for (const char* name : {"k1", "k2"})
    CHECK(nexus::testutil::wait_until([&] { return w.show(name)["status"] == "stopped"; }));
  CHECK(w.nexus({"node", "list"}).out.find("stopped") != std::string::npos);
  // exec and check refuse a stopped node, the launcher's own error: its message, then what to do.
  for (const char* verb : {"exec", "check"}) {
    std::vector<std::string> args{"node", verb, "k1"};
    if (std::string(verb) == "exec") args.insert(args.end(), {"--", "true"});
    CommandResult refused = w.nexus(args);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == "nexus: error: node 'k1' is not running (its process is gone)\n"
                         "  remove it with: nexus node delete k1 (or clean all such nodes: nexus gc)\n");
  }
  CHECK(w.nexus({"node", "delete", "k2"}).exit_code == 0);  // works when the process already died
  CommandResult gc = w.nexus({"gc"});
  INFO(gc.err);
  CHECK(gc.exit_code == 0);
  CHECK(gc.out.find("k1") != std::string::npos);
  CHECK(nexus::testutil::list_dir(w.state_dir() + "/nodes") == std::vector<std::string>{"keep"});
  CHECK(w.leases().size() == 1);
  CHECK(w.veths().size() == 1);
  CHECK(nexus::testutil::list_dir(w.netns_dir()) == std::vector<std::string>{"keep"});
  CHECK(w.node_cgroups() == std::vector<std::string>{"keep"});
  CHECK(exec(w, "keep", "true") == 0);
}

TEST_CASE("--rootfs pivots into the directory with a fresh /proc" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  const std::string rootfs = w.path() + "/rootfs";
  fs::create_directories(rootfs + "/bin");
  fs::copy_file("/bin/busybox", rootfs + "/bin/busybox");
  fs::create_symlink("busybox", rootfs + "/bin/sh");
  std::ofstream(rootfs + "/marker") << "inside\n";
  create(w, {"rf1", "--net", "ittest", "--rootfs", rootfs});
  CommandResult r = w.nexus({"node", "exec", "rf1", "--", "/bin/busybox", "sh", "-c",
                             "cat /marker; /bin/busybox cat /etc/hosts; /bin/busybox ls /proc | /bin/busybox grep -c '^[0-9]'"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("inside\n") == 0);
  CHECK(r.out.find("\trf1\n") != std::string::npos);
  CHECK(w.nexus({"node", "delete", "rf1"}).exit_code == 0);
  CHECK(w.leases().empty());
}

namespace {
bool hybrid_v2_tree() {
  struct statfs fs {};
  return ::statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}
}  // namespace

// On this hybrid machine the v1 hierarchies hold the controllers, but the unified tree is a real cgroup2 mount:
// it exercises the v2 code on the kernel (mkdir, cgroup.procs, exec joining, rmdir), without limits.
TEST_CASE("cgroup v2 on the hybrid unified tree" * doctest::skip(nexus::testutil::skip_root_tests())) {
  if (!hybrid_v2_tree()) NEXUS_SKIP_ON_HOST("no cgroup2 mount at /sys/fs/cgroup/unified (host is not cgroup-hybrid)");
  LauncherWorld w;
  CommandResult r = w.nexus({"--cgroup-root", "/sys/fs/cgroup/unified", "node", "create", "v2n", "--net", "ittest"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto node = w.show("v2n");
  CHECK(node["cgroupVersion"] == "v2");
  const std::string dir = "/sys/fs/cgroup/unified/" + w.cgroup_parent() + "/v2n";
  CHECK(read_file(dir + "/cgroup.procs") == std::to_string(node["pid"].get<int>()) + "\n");
  CommandResult cg = w.nexus({"node", "exec", "v2n", "--", "cat", "/proc/self/cgroup"});
  CHECK(cg.out.find("0::/" + w.cgroup_parent() + "/v2n\n") != std::string::npos);
  // Limits need controllers the v1 hierarchies hold here: a clear error, and nothing left.
  CommandResult limited =
      w.nexus({"--cgroup-root", "/sys/fs/cgroup/unified", "node", "create", "v2m", "--net", "ittest", "--mem", "64"});
  CHECK(limited.exit_code == 1);
  CHECK(limited.err.find("cgroup controller 'memory' is not available") != std::string::npos);
  CHECK(w.nexus({"node", "delete", "v2n"}).exit_code == 0);
  CHECK_FALSE(fs::exists(dir));
  CHECK(w.leases().empty());
}

// iproute2 names a veth peer's link-netnsid by opening every file of /run/netns and asking the kernel for its
// nsid; a pin file the node sees without its netns mounted on it fails with "Peer netns reference is invalid."
// (scripts/quickstart's `ip addr`). The test's pins live in a temp dir, so `ip` is shown that dir as /run/netns
// in a private mount namespace of its own.
TEST_CASE("ip addr inside a node prints no error about the veth peer's netns" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  create(w, {"ipa1", "--net", "ittest"});
  create(w, {"ipa2", "--net", "ittest"});  // a second pin in the dir: a node must not see it as a plain file
  const std::string dir = w.netns_dir();
  CommandResult listing = w.nexus({"node", "exec", "ipa1", "--", "sh", "-c", "ls -A " + dir});
  CHECK_MESSAGE(listing.exit_code == 0, listing.err);
  CHECK_MESSAGE(listing.out.empty(), "the node sees pin files: ", listing.out);
  CommandResult ip = w.nexus({"node", "exec", "ipa1", "--", "unshare", "-m", "sh", "-c",
                              "mount --bind " + dir + " /run/netns && ip addr"});
  CHECK_MESSAGE(ip.exit_code == 0, ip.err);
  CHECK_MESSAGE(ip.err.find("Error") == std::string::npos, ip.err);
  CHECK_MESSAGE(ip.out.find("link-netnsid") != std::string::npos, ip.out);  // eth0 does name its peer's netns
  CHECK(ip.out.find(kSubnet + ".") != std::string::npos);
}
