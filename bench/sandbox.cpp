#include "bench/sandbox.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "shared/util/unique_fd.h"

namespace nexus::bench {
namespace {

std::runtime_error errno_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

void bring_loopback_up() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw errno_error("socket");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) throw errno_error("SIOCGIFFLAGS lo");
  req.ifr_flags |= IFF_UP;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) throw errno_error("SIOCSIFFLAGS lo");
}

ScratchDir::ScratchDir(std::filesystem::path path) : OwnedPath(std::move(path)) {
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) std::cerr << "nexus-bench: cannot remove " << path_ << ": " << ec.message() << "\n";
}

Sandbox::Sandbox(const std::filesystem::path& parent, bool tmpfs) : tmpfs_(tmpfs) {
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) throw errno_error("unshare(CLONE_NEWNET|CLONE_NEWNS) (root?)");
  // Private propagation: our netns bind mounts and the /sys remount never reach the host's mount table.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw errno_error("make / private");
  // sysfs shows the links of the netns that mounted it; plugins that read /sys/class/net must see ours.
  if (::mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0) throw errno_error("mount sysfs");
  bring_loopback_up();
  std::string templ = (parent / "nexus-bench.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw errno_error("mkdtemp " + templ);
  work_dir_ = templ;
  // The mount lives in our private mount namespace: it and its files vanish with the process, even on SIGKILL.
  if (tmpfs_ && ::mount("nexus-bench", work_dir_.c_str(), "tmpfs", 0, "mode=0700") != 0) {
    std::error_code ec;
    std::filesystem::remove(work_dir_, ec);
    throw errno_error("mount tmpfs on " + work_dir_.string());
  }
}

Sandbox::~Sandbox() {
  std::error_code ec;
  if (tmpfs_) ::umount2(work_dir_.c_str(), MNT_DETACH);
  std::filesystem::remove_all(work_dir_, ec);
  if (ec) std::cerr << "nexus-bench: cannot remove " << work_dir_ << ": " << ec.message() << "\n";
}

ScratchDir Sandbox::make_dir(const std::string& name) const { return ScratchDir(work_dir_ / name); }

ContainerNetns::ContainerNetns(std::filesystem::path path) : OwnedPath(std::move(path)) {
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) throw errno_error("open own netns");
  UniqueFd file(::open(path_.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file) throw errno_error("create " + path_.string());
  if (::unshare(CLONE_NEWNET) != 0) throw errno_error("unshare(CLONE_NEWNET)");
  int rc = ::mount("/proc/thread-self/ns/net", path_.c_str(), nullptr, MS_BIND, nullptr);
  int mount_errno = errno;
  // Going home is not optional: every later step assumes the bench netns.
  if (::setns(home.get(), CLONE_NEWNET) != 0) std::abort();
  if (rc != 0) {
    ::unlink(path_.c_str());
    errno = mount_errno;
    throw errno_error("bind mount netns on " + path_.string());
  }
}

ContainerNetns::~ContainerNetns() {
  if (path_.empty()) return;
  ::umount2(path_.c_str(), MNT_DETACH);
  ::unlink(path_.c_str());
}

}  // namespace nexus::bench
