// containerd 1.6 (Debian 12) running a container with `ctr run --cni` on Nexus as `cmake --install` lays it out:
// the plugins in /opt/cni/bin and conf/10-nexus.conflist in /etc/cni/net.d, unchanged. go-cni in ctr hard-codes
// those two directories (and libcni's cache /var/lib/cni, where nexus-ipam also keeps its leases by default), so
// a containerd of the test's own runs in the test's host netns and a private mount namespace where temp dirs
// stand in for them (tests/testutil/private_containerd.h): nothing of the machine's is read or written.
//
// (Debian's containerd 1.6.20~ds1 gives the plugins CNI_PATH=/opt/cni/bin:/usr/lib/cni; only /opt/cni/bin has ours.)
//
// When ctr 1.6 runs CNI (cmd/ctr/commands/run/run.go at v1.6.20; tasks and containers commands never do):
// - ADD: `ctr run --cni`, after the task is created and before it starts, on /proc/<task pid>/ns/net, with
//   CNI_CONTAINERID "<namespace>-<container id>" and ifname eth0.
// - DEL: only a foreground `ctr run --cni` (no -d): once the task has exited, in a deferred call, with an EMPTY
//   netns path (ctr passes none; the netns died with the task; libcni adds its cached result as prevResult).
//   A detached `ctr run -d --cni` never runs DEL, and neither `ctr task kill`, `ctr task rm` nor
//   `ctr container rm` does: its lease and NAT element stay until GC. So the container here runs under a
//   foreground ctr run in the background; `ctr task kill` ends it, that ctr then runs DEL and deletes the task,
//   `ctr container rm` the rest.
#include <doctest/doctest.h>

#include <memory>
#include <set>

#include "tests/interop/interop_support.h"
#include "tests/testutil/background_command.h"
#include "tests/testutil/busybox_rootfs.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/oci_image.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/private_containerd.h"
#include "tests/testutil/root.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/wait.h"

using namespace nexus::testutil;
using namespace nexus::testutil::interop;

namespace {

constexpr const char* kImage = "docker.io/nexus/busybox:test";
constexpr const char* kContainer = "nxctr1";

/// Fails the test unless containerd, ctr, its runc shim, runc and busybox are installed.
struct ContainerdToolsPresent {
  ContainerdToolsPresent() {
    REQUIRE_MESSAGE(run_shell("command -v containerd && command -v ctr && command -v containerd-shim-runc-v2 && "
                              "command -v runc && test -x /bin/busybox")
                            .exit_code == 0,
                    "containerd, runc and busybox-static are needed (scripts/install-deps)");
  }
};

/// This build installed with `cmake --install` under DESTDIR=<dir>: <dir>/opt/cni/bin, <dir>/etc/cni/net.d, ...
struct Installed {
  TempDir dir;
  Installed() {
    const CommandResult r = run_command({"cmake", "--install", NEXUS_BUILD_DIR}, {.env = {"DESTDIR=" + dir.path()}});
    REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  }
  std::string bin_dir() const { return dir.path() + "/opt/cni/bin"; }
  std::string conf_dir() const { return dir.path() + "/etc/cni/net.d"; }
};

/// In this order: the tools are there, the test's host netns (ctr and the plugins run there), an outside network
/// behind it (198.51.100.1, as in the NAT tests), the installed build, what stands in for /var/lib/cni (leases
/// in networks/, libcni's cache in results/), and containerd.
struct CtrCniTest : ContainerdToolsPresent {
  HostNetns host;
  TestNetns outside;
  Installed installed;
  TempDir var_lib_cni;
  TempDir logs;  // of the foreground ctr run
  std::unique_ptr<PrivateContainerd> containerd;
  CtrCniTest() {
    connect_outside(outside);
    containerd = std::make_unique<PrivateContainerd>(std::vector<HostDirReplacement>{
        {"/opt/cni/bin", installed.bin_dir()}, {"/etc/cni/net.d", installed.conf_dir()},
        {"/var/lib/cni", var_lib_cni.path()}});
  }
  std::vector<std::string> leases() const { return lease_files(var_lib_cni.path() + "/networks", "nexus"); }
  std::vector<std::string> cached_results() const { return list_dir(var_lib_cni.path() + "/results"); }
  /// veths here but the outside link's: the containers' host ends.
  std::vector<std::string> container_veths() const {
    std::vector<std::string> veths = veths_here();
    std::erase(veths, "out-h");
    return veths;
  }
  /// `ctr task exec` of a shell command in the container (busybox's applets).
  CommandResult exec(const std::string& exec_id, const std::string& command) const {
    return containerd->ctr({"task", "exec", "--exec-id", exec_id, kContainer, "sh", "-c", command});
  }
  /// `ctr task ls` lists the container's task as RUNNING.
  bool task_running() const {
    for (const std::string& line : lines(containerd->ctr({"task", "ls"}).out))
      if (line.starts_with(std::string(kContainer) + " ") && line.find("RUNNING") != std::string::npos) return true;
    return false;
  }
};

/// The container's address on eth0 ("10.0.42.2") from `ip -o -4 addr show dev eth0`; "" when none.
std::string eth0_address(const std::string& ip_output) {
  const auto at = ip_output.find("inet ");
  if (at == std::string::npos) return "";
  return ip_output.substr(at + 5, ip_output.find('/', at) - at - 5);
}

}  // namespace

TEST_CASE_FIXTURE(CtrCniTest,
                  "interop containerd: ctr run --cni on the installed plugins and conflist; task kill and "
                  "container rm leave nothing" *
                      doctest::skip(skip_root_tests())) {
  {
    TempDir image;
    make_busybox_rootfs(image.path() + "/rootfs");
    write_oci_archive(image.path() + "/rootfs", kImage, image.path() + "/image.tar", image.path());
    const CommandResult imported = containerd->ctr({"image", "import", image.path() + "/image.tar"});
    REQUIRE_MESSAGE(imported.exit_code == 0, imported.out, imported.err, containerd->log());
  }
  const std::string id = containerd->ns() + "-" + kContainer;  // what CNI sees (CNI_CONTAINERID)

  // PID 1 ignores SIGTERM without a handler: the trap lets `ctr task kill` (SIGTERM) end it as it would a service.
  BackgroundCommand run(containerd->ctr_argv({"run", "--cni", kImage, kContainer, "sh", "-c",
                                              "trap 'exit 0' TERM; sleep 600 & wait"}),
                        logs.path() + "/ctr-run");
  REQUIRE_MESSAGE(wait_until([&] { return !run.running() || task_running(); }, std::chrono::seconds(30)),
                  "the task did not start: ", run.err());
  REQUIRE_MESSAGE(run.running(), "ctr run --cni failed: ", run.out(), run.err(), containerd->log());

  // ADD gave eth0 an address of the conflist's 10.0.42.0/24, leased, cached by libcni, masqueraded.
  const CommandResult addr = exec("addr", "ip -o -4 addr show dev eth0");
  REQUIRE_MESSAGE(addr.exit_code == 0, addr.out, addr.err);
  const std::string address = eth0_address(addr.out);
  CAPTURE(address);
  REQUIRE(address.starts_with("10.0.42."));
  CHECK(leases() == std::vector<std::string>{address});
  CHECK(cached_results() == std::vector<std::string>{"nexus-" + id + "-eth0"});
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nexus0", address, id + "/eth0"}});
  CHECK(owner_tokens_v4() == std::multiset<std::string>{address});
  CHECK(container_veths().size() == 1);

  // The host reaches the container, and the container the outside: 198.51.100.1 has no route back to 10.0.42.0/24,
  // so its reply arrives only when the request left masqueraded to 198.51.100.254.
  CHECK(run_shell("ping -c1 -W2 " + address).exit_code == 0);
  const CommandResult out = exec("outside", "ping -c1 -W2 198.51.100.1");
  CHECK_MESSAGE(out.exit_code == 0, out.out, out.err);

  // Removal as the issue has it: ctr task kill, then ctr container rm. The foreground ctr run sees its task
  // exit and runs CNI DEL (netns "") before it deletes the task.
  const CommandResult kill = containerd->ctr({"task", "kill", kContainer});
  CHECK_MESSAGE(kill.exit_code == 0, kill.out, kill.err);
  const std::optional<int> run_exit = run.wait_for(std::chrono::seconds(20));
  REQUIRE_MESSAGE(run_exit.has_value(), "ctr run did not return after task kill");
  CHECK_MESSAGE(*run_exit == 0, run.out(), run.err());
  CHECK_MESSAGE(run.err().find("network review") == std::string::npos, run.err());  // ctr's message for a failed DEL
  const CommandResult rm = containerd->ctr({"container", "rm", kContainer});
  CHECK_MESSAGE(rm.exit_code == 0, rm.out, rm.err);

  CHECK(containerd->ctr({"container", "ls", "-q"}).out.empty());
  CHECK(leases().empty());
  CHECK(cached_results().empty());
  CHECK(masquerade_elements().empty());
  CHECK(owner_tokens_v4().empty());
  CHECK(container_veths().empty());
}
