#include "shared/runtime/namespaces.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {

int node_namespace_flags() { return CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNS; }

pid_t clone_into_namespaces(int flags) {
  // Buffered stdio would otherwise be flushed twice, once by each process.
  std::fflush(nullptr);
  // The raw syscall with a null stack behaves like fork(): the child continues from here on a copy of our stack.
  long pid = ::syscall(SYS_clone, static_cast<unsigned long>(flags) | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) throw sys_error("create node process in new namespaces (clone)", errno);
  return static_cast<pid_t>(pid);
}

void ensure_netns_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw sys_error("create " + dir, ec.value());
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) throw sys_error("make " + dir + " a shared mount", errno);
  // EINVAL: not a mount point yet. Bind it onto itself first.
  if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0)
    throw sys_error("bind mount " + dir + " onto itself", errno);
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0)
    throw sys_error("make " + dir + " a shared mount", errno);
}

void pin_netns(pid_t pid, const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!fd) throw sys_error("create netns pin " + path, errno);
  fd.reset();
  const std::string source = "/proc/" + std::to_string(pid) + "/ns/net";
  if (::mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    throw sys_error("bind mount " + source + " onto " + path, err);
  }
}

void unpin_netns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    throw sys_error("unmount netns pin " + path, errno);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw sys_error("remove netns pin " + path, errno);
}

bool is_netns_pin(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

void enter_namespaces(pid_t pid) {
  // The mount namespace goes last: after it, /proc/<pid> may no longer be the same view.
  static constexpr struct {
    const char* name;
    int type;
  } kOrder[] = {{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
                {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS}};
  UniqueFd fds[5];
  const std::string base = "/proc/" + std::to_string(pid) + "/";
  for (int i = 0; i < 5; ++i) {
    fds[i].reset(::open((base + "ns/" + kOrder[i].name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fds[i]) throw sys_error(std::string("open ") + base + "ns/" + kOrder[i].name, errno);
  }
  for (int i = 0; i < 5; ++i) {
    if (::setns(fds[i].get(), kOrder[i].type) != 0)
      throw sys_error(std::string("enter ") + kOrder[i].name + " namespace of process " + std::to_string(pid), errno);
  }
  // setns(CLONE_NEWNS) already moved our root and cwd to the namespace's root (the pivoted one with --rootfs).
}

}  // namespace nexus::runtime
