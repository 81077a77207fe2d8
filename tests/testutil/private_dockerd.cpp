#include "tests/testutil/private_dockerd.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/testutil/busybox_rootfs.h"
#include "tests/testutil/cgroup_parent.h"
#include "tests/testutil/netns_fixture.h"

namespace nexus::testutil {
namespace {

constexpr const char* kDockerd = "/usr/sbin/dockerd";  // Debian docker.io
constexpr const char* kDocker = "/usr/bin/docker";
constexpr const char* kBusybox = "/bin/busybox";  // busybox-static: runs in an image without libraries
// The processes a private daemon may leave behind; only these are ever killed, and only in the test's netns.
const char* const kDockerProcesses[] = {"dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2",
                                        "runc", "docker-proxy", "docker-init"};

// The cgroup hierarchies of a cgroup v1 host, as mounted on the real host; `ip netns exec` remounts /sys, so the
// start script mounts them again for the daemon.
std::vector<std::string> cgroup_hierarchies() {
  std::vector<std::string> out;
  std::ifstream mounts("/proc/self/mounts");
  for (std::string dev, dir, type, options, rest;
       mounts >> dev >> dir >> type >> options && std::getline(mounts, rest);)
    if (type == "cgroup" && dir.rfind("/sys/fs/cgroup/", 0) == 0) out.push_back(dir + " " + options);
  return out;
}

// Runs as `ip netns exec <host> sh start.sh`: a mount namespace of its own (the daemon's mounts die with it),
// /etc/docker private (its key.json stays off the real host), the cgroup hierarchies back, ip_forward off as on a
// fresh host (so the daemon turns it on and sets the FORWARD policy to DROP, as Debian's docker.io does).
std::string start_script(const std::string& dir, const std::string& cgroup_parent) {
  std::string s = "set -e\nmount --make-rprivate /\nmount -t tmpfs none /etc/docker\n"
                  "mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup\n";
  for (const std::string& h : cgroup_hierarchies()) {
    const std::string path = h.substr(0, h.find(' ')), options = h.substr(h.find(' ') + 1);
    std::string wanted;  // the controllers (or name=) of the hierarchy, without rw/relatime
    for (size_t at = 0; at <= options.size();) {
      const size_t comma = std::min(options.find(',', at), options.size());
      const std::string o = options.substr(at, comma - at);
      if (o != "rw" && o != "ro" && o != "relatime" && o != "nosuid" && o != "nodev" && o != "noexec")
        wanted += (wanted.empty() ? "" : ",") + o;
      at = comma + 1;
    }
    if (wanted.rfind("name=", 0) == 0) wanted = "none," + wanted;
    s += "mkdir -p " + path + " && mount -t cgroup -o " + wanted + " cgroup " + path + "\n";
  }
  s += "echo 0 > /proc/sys/net/ipv4/ip_forward\n";
  s += std::string("exec ") + kDockerd + " --data-root " + dir + "/data --exec-root " + dir + "/exec --pidfile " +
       dir + "/docker.pid -H unix://" + dir + "/docker.sock --iptables=true --userland-proxy=false" +
       " --storage-driver overlay2 --cgroup-parent /" + cgroup_parent + "\n";
  return s;
}

ino_t netns_inode_of(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// Docker's processes in `netns`, never the test itself.
std::vector<pid_t> docker_processes_in(ino_t netns) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == ::getpid() || netns_inode_of(pid) != netns) continue;
    std::string comm = read_file("/proc/" + name + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    for (const char* p : kDockerProcesses)
      if (comm == std::string(p).substr(0, 15)) out.push_back(pid);
  }
  return out;
}

}  // namespace

PrivateDockerd::PrivateDockerd(const TestNetns& host)
    : host_(host), cgroup_parent_("nexus-dockerd-" + std::to_string(::getpid()) + "-" + host.name()) {
  const bool installed = ::access(kDockerd, X_OK) == 0 && ::access(kDocker, X_OK) == 0;
  REQUIRE_MESSAGE(installed,
                  "docker.io is missing (", kDockerd, ", ", kDocker, "): scripts/install-deps installs it");
  REQUIRE_MESSAGE(::access(kBusybox, X_OK) == 0, "busybox-static is missing: scripts/install-deps installs it");
  start();
}

void PrivateDockerd::start() {
  std::ofstream(dir_.path() + "/start.sh") << start_script(dir_.path(), cgroup_parent_);
  daemon_.emplace(std::vector<std::string>{"ip", "netns", "exec", host_.name(), "sh", dir_.path() + "/start.sh"},
                  dir_.path() + "/dockerd");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (docker({"version"}, 5000).exit_code != 0) {
    REQUIRE_MESSAGE(daemon_->running(), "dockerd exited:\n", log());
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "dockerd did not come up:\n", log());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void PrivateDockerd::stop() noexcept {
  // SIGTERM: dockerd stops its containers and its containerd; SIGKILL after 15 s.
  if (daemon_) daemon_->stop(std::chrono::seconds(15));
  daemon_.reset();
  // What a daemon killed mid-way left: containers (in their cgroups), shims (in the netns).
  kill_cgroup_processes(cgroup_parent_);
  struct stat st {};
  const ino_t netns = ::stat(host_.path().c_str(), &st) == 0 ? st.st_ino : 0;
  if (netns == 0) return;  // the netns is gone, and its processes with it
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!docker_processes_in(netns).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (const pid_t pid : docker_processes_in(netns)) ::kill(pid, SIGKILL);
  for (int i = 0; i < 50 && !docker_processes_in(netns).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

PrivateDockerd::~PrivateDockerd() {
  stop();
  CHECK_MESSAGE(remove_cgroup_parent(cgroup_parent_), "dockerd's cgroup parent /", cgroup_parent_, " is left");
  // The overlay2 mounts died with the daemon's mount namespace: TempDir removes plain directories.
}

CommandResult PrivateDockerd::docker(const std::vector<std::string>& args, int timeout_ms) const {
  std::vector<std::string> argv{kDocker, "-H", "unix://" + dir_.path() + "/docker.sock"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, {.timeout_ms = timeout_ms});
}

void PrivateDockerd::import_busybox() const {
  const std::string root = dir_.path() + "/busybox-root";
  make_busybox_rootfs(root);
  const CommandResult tar = run_command({"tar", "-C", root, "-cf", dir_.path() + "/busybox.tar", "."});
  REQUIRE_MESSAGE(tar.exit_code == 0, tar.err);
  const CommandResult r = docker({"import", dir_.path() + "/busybox.tar", "nexus-busybox:test"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err, log());
}

void PrivateDockerd::restart() {
  stop();
  start();
}

std::string PrivateDockerd::log() const {
  return read_file(dir_.path() + "/dockerd.out") + read_file(dir_.path() + "/dockerd.err");
}

}  // namespace nexus::testutil
