#include "shared/net/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "shared/base/error.h"

namespace nexus::net {
namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

Error invalid_netns(const std::string& path, const std::string& why) {
  return Error(Code::InvalidNetns, "netns '" + path + "' " + why);
}

// nsfs files of any namespace type pass statfs; NS_GET_NSTYPE tells a network namespace apart.
void require_network_namespace(int fd, const std::string& path) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) throw sys_error("statfs netns '" + path + "'", errno);
  if (fs.f_type != NSFS_MAGIC) throw invalid_netns(path, "is not a namespace");
  const int type = ::ioctl(fd, NS_GET_NSTYPE);
  if (type < 0) throw sys_error("query namespace type of '" + path + "'", errno);
  if (type != CLONE_NEWNET) throw invalid_netns(path, "is not a network namespace");
}

}  // namespace

Netns Netns::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw invalid_netns(path, "does not exist");
    throw Error(Code::InvalidNetns, "open netns '" + path + "': " + std::strerror(err));
  }
  require_network_namespace(fd.get(), path);
  return Netns(std::move(fd), path);
}

Netns Netns::current() {
  UniqueFd fd(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
  if (!fd) throw sys_error(std::string("open ") + kThreadNetns, errno);
  return Netns(std::move(fd), kThreadNetns);
}

unsigned long Netns::inode() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw sys_error("stat netns '" + path_ + "'", errno);
  return st.st_ino;
}

void Netns::enter() const {
  if (::setns(fd_.get(), CLONE_NEWNET) != 0) throw sys_error("enter netns '" + path_ + "'", errno);
}

bool is_current_netns(const std::string& path) {
  struct stat target {}, current {};
  if (::stat(path.c_str(), &target) != 0 || ::stat(kThreadNetns, &current) != 0) return false;
  return target.st_dev == current.st_dev && target.st_ino == current.st_ino;
}

NetnsGuard::NetnsGuard(const Netns& target) : home_(Netns::current()) { target.enter(); }

NetnsGuard::~NetnsGuard() {
  if (::setns(home_.fd(), CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "nexus: cannot switch back to the original netns: %s\n", std::strerror(errno));
    std::abort();
  }
}

}  // namespace nexus::net
