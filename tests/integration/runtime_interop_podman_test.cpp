// podman (Debian 12: 4.3) running a container on the shipped nexus conflist through its CNI backend: podman's own
// libcni use, network parsing, result handling and teardown judge our plugins. Everything podman keeps is in
// temp dirs (root, runroot, tmp_dir, conflist dir, ipam data) and its bridge lives in the test's HostNetns.
// Two things podman 4.3 cannot redirect: libcni's result cache (/var/lib/cni/results, entry removed on
// teardown, checked) and its cgroups (a test-only --cgroup-parent, removed afterwards).
// This VM has hybrid cgroups (v1 + an empty cgroup2 with hugetlb) and no CAP_SYS_RESOURCE: crun 1.8 refuses
// hybrid mode and podman's default RLIMIT_NOFILE cannot be raised, hence runtime = runc and explicit --ulimit.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/interop/interop_support.h"
#include "tests/testutil/busybox_rootfs.h"
#include "tests/testutil/cgroup_parent.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/plugin_runner.h"
#include "tests/testutil/root.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::testutil;
using namespace nexus::testutil::interop;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kCgroupParent = "nexus_interop_podman";

/// podman's containers.conf for the test: CNI backend, our build dir then the reference plugins, conflists
/// from `net_dir`, state in `tmp_dir`.
std::string containers_conf(const std::string& net_dir, const std::string& tmp_dir) {
  return "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"" + nexus_plugin_dir() + "\", \"" +
         kReferencePluginDir + "\"]\nnetwork_config_dir = \"" + net_dir + "\"\n\n[engine]\nruntime = \"runc\"\n" +
         "cgroup_manager = \"cgroupfs\"\nevents_logger = \"none\"\ntmp_dir = \"" + tmp_dir + "\"\n";
}

/// The test's throwaway host netns, and the netns the thread was in before entering it. run_command gives a
/// child started in a test netns a fresh /sys (as `ip netns exec` does), which hides the cgroup mounts podman
/// and runc need ("no cgroup mount found in mountinfo"); so podman is started from `home` (keeping the real
/// /sys) and `nsenter --net` moves it into the test netns, where its plugins then run.
struct PodmanHost {
  nexus::UniqueFd home{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  HostNetns netns;
};

/// Isolated podman: its own containers.conf, storage root, runroot and tmp dir under one TempDir.
class Podman {
 public:
  Podman(const PodmanHost& host, const json& conflist) : host_(host) {
    for (const char* sub : {"/net.d", "/root", "/runroot", "/tmp"}) fs::create_directories(dir_.path() + sub);
    std::ofstream(dir_.path() + "/net.d/" + conflist["name"].get<std::string>() + ".conflist") << conflist.dump(2);
    std::ofstream(dir_.path() + "/containers.conf") << containers_conf(dir_.path() + "/net.d", dir_.path() + "/tmp");
    make_busybox_rootfs(rootfs());
  }
  ~Podman() {  // containers a failed check left behind go first (their teardown runs DEL in the test's netns)
    run({"rm", "--all", "--force", "--time", "0"});
    remove_cgroup_parent(kCgroupParent);  // podman leaves it (and its conmon/ child) behind
  }
  Podman(const Podman&) = delete;
  Podman& operator=(const Podman&) = delete;

  /// `podman <args>` on this instance's storage root, runroot and containers.conf.
  CommandResult run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"nsenter", "--net=" + host_.netns.path(), "podman", "--root", dir_.path() + "/root",
                                  "--runroot", dir_.path() + "/runroot", "--storage-driver", "vfs"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {.env = {"CONTAINERS_CONF=" + dir_.path() + "/containers.conf"},
                              .netns_fd = host_.home.get(),
                              .fresh_sysfs = false,  // podman's netns pins must outlive this command
                              .timeout_ms = 30000});
  }
  /// `podman run <mode> --network <network> [more...] --rootfs <busybox> /bin/sh -c <script>`; `mode` is "--rm"
  /// (foreground, removed on exit) or "-d" (detached: stdout is the container id).
  CommandResult run_container(const std::string& mode, const std::string& network, const std::string& script,
                              const std::vector<std::string>& more = {}) const {
    std::vector<std::string> args{"run", mode, "--network", network, "--cgroup-parent", std::string("/") + kCgroupParent,
                                  "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"};
    args.insert(args.end(), more.begin(), more.end());
    args.insert(args.end(), {"--rootfs", rootfs(), "/bin/sh", "-c", script});
    return run(args);
  }
  std::string rootfs() const { return dir_.path() + "/rootfs"; }

 private:
  const PodmanHost& host_;
  TempDir dir_;
};

/// Fails the test unless podman, runc and the busybox for the container's root filesystem are installed.
struct PodmanToolsPresent {
  PodmanToolsPresent() {
    REQUIRE_MESSAGE(run_shell("command -v podman && command -v runc && test -x /bin/busybox").exit_code == 0,
                    "podman, runc and busybox-static are needed (scripts/install-deps)");
  }
};

/// What every podman test starts from, in this order: the tools are there (base, so checked first), the test's
/// host netns, and a data dir for the ipam leases of its network.
struct PodmanTest : PodmanToolsPresent {
  PodmanHost host;
  TempDir data;
};

/// podman's container netns bind mounts (/run/netns/netns-<uuid>).
std::vector<std::string> podman_netns() {
  std::vector<std::string> names = list_dir("/run/netns");
  std::erase_if(names, [](const std::string& n) { return !n.starts_with("netns-"); });
  return names;
}

/// Nothing of a podman container remains: no veth here, no lease, no cached result, no podman netns, no container.
void check_nothing_left(const Podman& podman, const std::string& data_dir, const std::string& network,
                        const std::vector<std::string>& netns_before);

/// libcni's cached results for `network` in the default cache dir podman uses.
std::vector<std::string> cached_results(const std::string& network) {
  std::vector<std::string> names = list_dir("/var/lib/cni/results");
  std::erase_if(names, [&](const std::string& n) { return !n.starts_with(network + "-"); });
  return names;
}

}  // namespace

TEST_CASE_FIXTURE(PodmanTest, "interop podman: podman run on the nexus conflist via the CNI backend" *
                                   doctest::skip(skip_root_tests())) {
  const json conflist = test_conflist("10-nexus.conflist", "nxpod", "nxpod0", "10.77.5", data.path());
  Podman podman(host, conflist);
  const auto netns_before = podman_netns();

  // Inside: the address our plugins gave eth0, and the gateway (the bridge in this test's host netns) answers.
  const CommandResult r = podman.run_container("--rm", "nxpod", "ip -o -4 addr show dev eth0 && ping -c1 -W2 10.77.5.1");
  CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(r.out.find("inet 10.77.5.2/24") != std::string::npos, r.out, r.err);
  CHECK_MESSAGE(r.out.find("1 packets received") != std::string::npos, r.out);
  CHECK(run_shell("ip link show nxpod0").exit_code == 0);  // podman ran our bridge plugin here, not on the host

  // podman's teardown (DEL with its cached result) left nothing behind.
  check_nothing_left(podman, data.path(), "nxpod", netns_before);

  // --ip and --mac-address reach our plugins as the "ips" and "mac" capabilities (runtimeConfig).
  const CommandResult fixed = podman.run_container("--rm", "nxpod", "ip -o -4 addr show dev eth0; ip -o link show eth0",
                                                   {"--ip", "10.77.5.50", "--mac-address", "02:11:22:33:44:55"});
  CHECK_MESSAGE(fixed.exit_code == 0, fixed.out, fixed.err);
  CHECK_MESSAGE(fixed.out.find("inet 10.77.5.50/24") != std::string::npos, fixed.out, fixed.err);
  CHECK_MESSAGE(fixed.out.find("link/ether 02:11:22:33:44:55") != std::string::npos, fixed.out, fixed.err);
  check_nothing_left(podman, data.path(), "nxpod", netns_before);
}

TEST_CASE_FIXTURE(PodmanTest,
                  "interop podman: older cniVersions work; 1.1.0 is refused by podman's libcni and torn down" *
                      doctest::skip(skip_root_tests())) {
  json conflist = test_conflist("10-nexus.conflist", "nxpodv", "nxpodv0", "10.77.7", data.path());
  for (const char* version : {"0.3.1", "0.4.0", "1.1.0"}) {
    CAPTURE(version);
    conflist["cniVersion"] = version;
    Podman podman(host, conflist);
    const auto netns_before = podman_netns();
    const CommandResult r = podman.run_container("--rm", "nxpodv", "ip -o -4 addr show dev eth0");
    if (std::string(version) == "1.1.0") {  // podman 4.3's libcni 1.1.2 ignores cniVersions, has no 1.1.0 result
      CHECK(r.exit_code != 0);
      CHECK_MESSAGE(r.err.find("unsupported CNI result version \"1.1.0\"") != std::string::npos, r.err);
    } else {
      CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
      CHECK_MESSAGE(r.out.find("inet 10.77.7.") != std::string::npos, r.out, r.err);
    }
    check_nothing_left(podman, data.path(), "nxpodv", netns_before);
  }
}

TEST_CASE_FIXTURE(PodmanTest, "interop podman: -p through the chained portmap conflist reaches the container" *
                                   doctest::skip(skip_root_tests())) {
  Podman podman(host, test_conflist("20-nexus-portmap.conflist", "nxpodpm", "nxpodpm0", "10.77.6", data.path()));
  const auto netns_before = podman_netns();

  const CommandResult started = podman.run_container("-d", "nxpodpm", "sleep 30", {"-p", "18090:8080/tcp"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.out, started.err);
  const std::string id = lines(started.out).back();  // ~Podman removes it if a check below fails

  // Listen inside podman's container netns (its SandboxKey), connect from here to the bridge address:hostPort.
  const CommandResult inspected = podman.run({"inspect", "-f", "{{.NetworkSettings.SandboxKey}}", id});
  REQUIRE_MESSAGE(!lines(inspected.out).empty(), "podman inspect: ", inspected.out, inspected.err);
  const std::string sandbox = lines(inspected.out).at(0);
  const nexus::UniqueFd netns(::open(sandbox.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE_MESSAGE(netns, "cannot open the container netns ", sandbox);
  const nexus::UniqueFd listener = listen_tcp_in_netns(netns.get(), 8080);
  CHECK(tcp_round_trip("10.77.6.1", 18090, listener.get()) != "");
  // podman read our result into its state: address, gateway and the container's real MAC.
  const json networks = json::parse(podman.run({"inspect", "-f", "{{json .NetworkSettings.Networks}}", id}).out,
                                    nullptr, false);
  REQUIRE_MESSAGE(networks.contains("nxpodpm"), networks.dump());
  CHECK(networks["nxpodpm"]["IPAddress"] == "10.77.6.2");
  CHECK(networks["nxpodpm"]["IPPrefixLen"] == 24);
  CHECK(networks["nxpodpm"]["Gateway"] == "10.77.6.1");
  const std::string mac = networks["nxpodpm"].value("MacAddress", "");
  CHECK(!mac.empty());
  CHECK(run_command({"ip", "-o", "link", "show", "eth0"}, {.netns_fd = netns.get()}).out.find(mac) != std::string::npos);

  const CommandResult rm = podman.run({"rm", "-f", "-t", "0", id});
  CHECK_MESSAGE(rm.exit_code == 0, rm.out, rm.err);
  check_nothing_left(podman, data.path(), "nxpodpm", netns_before);
  CHECK(count_lines_with(inspect("iptables-save"), "dport 18090") == 0);
}

namespace {

void check_nothing_left(const Podman& podman, const std::string& data_dir, const std::string& network,
                        const std::vector<std::string>& netns_before) {
  CHECK(veths_here().empty());
  CHECK(lease_files(data_dir, network).empty());
  CHECK(cached_results(network).empty());
  auto netns_after = podman_netns();
  std::erase_if(netns_after, [&](const std::string& n) { return std::ranges::count(netns_before, n) > 0; });
  CHECK(netns_after.empty());
  const CommandResult ps = podman.run({"ps", "-a", "-q"});
  REQUIRE_MESSAGE(ps.exit_code == 0, "podman ps failed: ", ps.err);
  CHECK(ps.out.empty());
}

}  // namespace
