#include "tests/testutil/netns_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace nexus::testutil {
namespace {

constexpr const char* kRunNetns = "/run/netns";

[[noreturn]] void fail(const std::string& what, int err = errno) {
  throw std::runtime_error("netns fixture: " + what + ": " + std::strerror(err));
}

UniqueFd open_thread_netns() {
  UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) fail("open /proc/thread-self/ns/net");
  return fd;
}

// As `ip netns add` does: /run/netns is a shared mount point so the netns mounts propagate into mount
// namespaces created later (ip netns exec, runtimes).
void prepare_run_netns() {
  if (::mkdir(kRunNetns, 0755) != 0 && errno != EEXIST) fail("mkdir /run/netns");
  if (::mount("", kRunNetns, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) fail("make /run/netns shared");
  if (::mount(kRunNetns, kRunNetns, "none", MS_BIND | MS_REC, nullptr) != 0) fail("bind /run/netns");
  if (::mount("", kRunNetns, "none", MS_SHARED | MS_REC, nullptr) != 0) fail("make /run/netns shared");
}

void remove_netns_mount(const std::string& path) {
  ::umount2(path.c_str(), MNT_DETACH);
  ::unlink(path.c_str());
}

// A test process killed by a crash or SIGKILL leaves its nxt-<pid>-* mounts behind; remove those of dead pids.
void remove_stale_namespaces(const std::string& prefix) {
  DIR* dir = ::opendir(kRunNetns);
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix + "-", 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size() + 1, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      remove_netns_mount(std::string(kRunNetns) + "/" + name);
    }
  }
  ::closedir(dir);
}

// Runs in a helper thread so the caller's thread never changes netns: unshare a fresh netns and bind its
// nsfs inode onto `path`, which keeps it alive after the thread exits.
void create_netns_at(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) fail("create " + path);
  ::close(fd);
  int err = 0;
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      err = errno;
    } else if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      err = errno;
    }
  });
  worker.join();
  if (err != 0) {
    ::unlink(path.c_str());
    fail("create netns at " + path, err);
  }
}

// An ioctl is enough to flip IFF_UP on lo in the netns the calling thread is in.
void set_lo_up_here() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) fail("socket");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) fail("SIOCGIFFLAGS lo");
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) fail("SIOCSIFFLAGS lo");
}

void switch_to(int netns_fd) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) fail("setns");
}

std::atomic<unsigned> counter{0};
std::once_flag stale_cleanup_once;

}  // namespace

TestNetns::TestNetns(const std::string& prefix) {
  prepare_run_netns();
  std::call_once(stale_cleanup_once, [&] { remove_stale_namespaces(prefix); });
  name_ = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  path_ = std::string(kRunNetns) + "/" + name_;
  create_netns_at(path_);
  fd_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) {
    const int err = errno;
    remove_netns_mount(path_);
    fail("open " + path_, err);
  }
}

TestNetns::~TestNetns() {
  fd_.reset();
  remove_netns_mount(path_);
}

void TestNetns::set_lo_up() const {
  // A thread of its own: the caller's thread stays where it is even if this fails half-way.
  std::string error;
  std::thread worker([&] {
    try {
      switch_to(fd());
      set_lo_up_here();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  worker.join();
  if (!error.empty()) throw std::runtime_error(error);
}

HostNetns::HostNetns(const std::string& prefix) : TestNetns(prefix), home_(open_thread_netns()) {
  switch_to(fd());
  try {
    set_lo_up_here();
  } catch (...) {
    if (::setns(home_.get(), CLONE_NEWNET) != 0) std::abort();
    throw;
  }
}

HostNetns::~HostNetns() {
  if (::setns(home_.get(), CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "HostNetns: cannot switch back to the original netns: %s\n", std::strerror(errno));
    std::abort();  // the following tests would run on the real host
  }
}

CommandResult run_in_netns(const TestNetns& ns, const std::string& shell_command, CommandOptions options) {
  options.netns_fd = ns.fd();
  return run_command({"sh", "-c", shell_command}, options);
}

CommandResult run_in_netns(const TestNetns& ns, const std::vector<std::string>& argv, CommandOptions options) {
  options.netns_fd = ns.fd();
  return run_command(argv, options);
}

unsigned long current_netns_inode() {
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) fail("stat /proc/thread-self/ns/net");
  return st.st_ino;
}

}  // namespace nexus::testutil
