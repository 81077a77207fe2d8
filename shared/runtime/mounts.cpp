#include "shared/runtime/mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {

void make_mounts_private_to_node() {
  if (::mount("", "/", "none", MS_SLAVE | MS_REC, nullptr) != 0)
    throw sys_error("make mounts of the node private", errno);
}

void bind_file(const std::string& source, const std::string& target) {
  if (::access(target.c_str(), F_OK) != 0) {
    UniqueFd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) throw sys_error("create " + target, errno);
  }
  if (::mount(source.c_str(), target.c_str(), "none", MS_BIND, nullptr) != 0)
    throw sys_error("bind mount " + source + " onto " + target, errno);
}

void detach_mount(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    throw sys_error("unmount " + path + " in the node", errno);
}

void hide_directory(const std::string& path) {
  if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0755") != 0 &&
      errno != ENOENT)
    throw sys_error("hide " + path + " in the node", errno);
}

void pivot_into(const std::string& rootfs) {
  // pivot_root needs the new root to be a mount point: bind it onto itself.
  if (::mount(rootfs.c_str(), rootfs.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0)
    throw sys_error("bind mount rootfs " + rootfs, errno);
  if (::chdir(rootfs.c_str()) != 0) throw sys_error("enter rootfs " + rootfs, errno);
  // pivot_root(".", ".") stacks the old root on top of the new one; unmounting "." then drops it, with no
  // need for a put_old directory inside the rootfs (the trick runc uses).
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw sys_error("pivot_root into " + rootfs, errno);
  if (::umount2(".", MNT_DETACH) != 0) throw sys_error("detach the old root", errno);
  if (::chdir("/") != 0) throw sys_error("chdir / in rootfs", errno);
}

void mount_proc() {
  ::mkdir("/proc", 0555);
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    throw sys_error("mount /proc", errno);
}

}  // namespace nexus::runtime
