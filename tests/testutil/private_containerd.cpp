#include "tests/testutil/private_containerd.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/testutil/cgroup_parent.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/wait.h"

namespace fs = std::filesystem;

namespace nexus::testutil {
namespace {

/// Version 2 config: everything under `dir`, the CRI plugin (and its own CNI setup) off: ctr drives CNI itself.
std::string config_toml(const std::string& dir, const std::string& socket) {
  return "version = 2\n"
         "root = \"" + dir + "/root\"\n"
         "state = \"" + dir + "/state\"\n"
         "disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.snapshotter.v1.btrfs\",\n"
         "  \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\",\n"
         "  \"io.containerd.snapshotter.v1.aufs\"]\n"
         "[grpc]\n  address = \"" + socket + "\"\n"
         "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" + dir + "/opt\"\n";
}

ino_t ns_inode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

/// Processes whose mount namespace is `mount_ns`: containerd's shims once containerd is gone.
std::vector<pid_t> processes_in_mount_ns(ino_t mount_ns) {
  std::vector<pid_t> out;
  for (const std::string& entry : list_dir("/proc")) {
    if (entry.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ns_inode("/proc/" + entry + "/ns/mnt") == mount_ns) out.push_back(std::stoi(entry));
  }
  return out;
}

}  // namespace

PrivateContainerd::PrivateContainerd(std::vector<HostDirReplacement> host_dirs)
    : ns_("nexus-ctr-" + std::to_string(::getpid())), socket_(dir_.path() + "/containerd.sock") {
  for (const char* sub : {"/run", "/scratch"}) fs::create_directories(dir_.path() + sub);
  std::ofstream(dir_.path() + "/config.toml") << config_toml(dir_.path(), socket_);
  host_dirs.emplace_back("/run/containerd", dir_.path() + "/run");
  const std::string script = private_host_dirs_script(host_dirs, dir_.path() + "/scratch") +
                             "exec containerd --config '" + dir_.path() + "/config.toml'\n";
  daemon_ = std::make_unique<BackgroundCommand>(
      std::vector<std::string>{"unshare", "--mount", "--propagation", "private", "sh", "-c", script},
      dir_.path() + "/containerd");
  const auto ready = [&] { return !daemon_->running() || ctr({"version"}, 5000).exit_code == 0; };
  REQUIRE_MESSAGE(wait_until(ready, std::chrono::seconds(20)), "containerd did not answer: ", log());
  REQUIRE_MESSAGE(daemon_->running(), "containerd exited: ", log());
  const std::string proc = "/proc/" + std::to_string(daemon_->pid());
  mount_ns_ = ns_inode(proc + "/ns/mnt");
  // unshare execs sh, which execs containerd: same pid. ctr and the CNI plugins it runs share this netns.
  REQUIRE(fs::read_symlink(proc + "/exe").filename() == "containerd");
  REQUIRE(ns_inode(proc + "/ns/net") == current_netns_inode());
  REQUIRE(mount_ns_ != ns_inode("/proc/self/ns/mnt"));
}

PrivateContainerd::~PrivateContainerd() {
  kill_cgroup_processes(ns_);  // containers a failed check left running
  if (daemon_) daemon_->stop(std::chrono::seconds(5));
  for (int round = 0; round < 100; ++round) {  // shims outlive containerd by design; they hold the mount ns
    const std::vector<pid_t> left = processes_in_mount_ns(mount_ns_);
    if (mount_ns_ == 0 || left.empty()) break;
    for (pid_t pid : left) ::kill(pid, SIGKILL);
    ::usleep(20000);
  }
  kill_cgroup_processes(ns_);
  remove_cgroup_parent(ns_);
}

std::vector<std::string> PrivateContainerd::ctr_argv(const std::vector<std::string>& args) const {
  const std::string proc = "/proc/" + std::to_string(daemon_->pid());
  std::vector<std::string> argv{"nsenter", "--mount=" + proc + "/ns/mnt", "--net=" + proc + "/ns/net", "ctr",
                                "--address", socket_, "--namespace", ns_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

CommandResult PrivateContainerd::ctr(const std::vector<std::string>& args, int timeout_ms) const {
  return run_command(ctr_argv(args), {.timeout_ms = timeout_ms});
}

}  // namespace nexus::testutil
