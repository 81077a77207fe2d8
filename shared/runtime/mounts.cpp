#include "shared/runtime/mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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

namespace {

// `path` opened relative to `root` (a rootfs's directory fd) as if it were "/": resolved within it, never
// through a procfs magic link.
UniqueFd open_in_root(int root, const std::string& path, uint64_t flags, uint64_t mode = 0) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return UniqueFd(static_cast<int>(::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how)));
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The directory `path` of the rootfs, created (0755) when missing; its O_PATH fd.
UniqueFd ensure_dir_in_root(int root, const std::string& path) {
  UniqueFd dir = open_in_root(root, path, O_PATH | O_DIRECTORY);
  if (dir) return dir;
  if (errno != ENOENT) throw sys_error("open /" + path + " in the rootfs", errno);
  const auto slash = path.rfind('/');
  const UniqueFd parent = slash == std::string::npos ? open_in_root(root, ".", O_PATH | O_DIRECTORY)
                                                     : ensure_dir_in_root(root, path.substr(0, slash));
  if (!parent) throw sys_error("open the rootfs", errno);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // mkdirat of a name without '/' in a directory resolved within the rootfs: no link is followed.
  if (::mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
    throw sys_error("create /" + path + " in the rootfs", errno);
  dir = open_in_root(root, path, O_PATH | O_DIRECTORY);
  if (!dir) throw sys_error("open /" + path + " in the rootfs", errno);
  return dir;
}

void mount_onto(const char* what, const char* type, int target_fd, unsigned long flags, const char* data,
                const std::string& where) {
  if (::mount(what, fd_path(target_fd).c_str(), type, flags, data) != 0)
    throw sys_error("mount " + where + " in the rootfs", errno);
}

}  // namespace

void bind_file_in_root(int root, const std::string& source, const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash != std::string::npos) ensure_dir_in_root(root, path.substr(0, slash));
  // O_NONBLOCK: a FIFO planted at the path must not hang the node's start; it is refused below.
  const UniqueFd target = open_in_root(root, path, O_RDONLY | O_CREAT | O_NOCTTY | O_NONBLOCK, 0644);
  if (!target) throw sys_error("open /" + path + " in the rootfs", errno);
  struct stat st {};
  if (::fstat(target.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(Code::InvalidConfig, "/" + path + " in the rootfs is not a regular file");
  if (::mount(source.c_str(), fd_path(target.get()).c_str(), "none", MS_BIND, nullptr) != 0)
    throw sys_error("bind mount " + source + " onto /" + path + " in the rootfs", errno);
}

void mount_proc_in_root(int root) {
  mount_onto("proc", "proc", ensure_dir_in_root(root, "proc").get(), MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
             "/proc");
}

void mount_dev_and_sys(int root) {
  mount_onto("tmpfs", "tmpfs", ensure_dir_in_root(root, "dev").get(), MS_NOSUID | MS_STRICTATIME,
             "mode=755,size=65536k", "/dev");
  const UniqueFd dev = open_in_root(root, "dev", O_PATH | O_DIRECTORY);  // the new tmpfs, not what it covers
  if (!dev) throw sys_error("open /dev in the rootfs", errno);
  struct Device {
    const char* name;
    unsigned major, minor;
  };
  for (const Device& d : {Device{"null", 1, 3}, Device{"zero", 1, 5}, Device{"full", 1, 7}, Device{"random", 1, 8},
                          Device{"urandom", 1, 9}, Device{"tty", 5, 0}})
    if (::mknodat(dev.get(), d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0 ||
        ::fchmodat(dev.get(), d.name, 0666, 0) != 0)  // mknod's mode goes through the umask
      throw sys_error(std::string("create /dev/") + d.name + " in the rootfs", errno);
  mount_onto("devpts", "devpts", ensure_dir_in_root(root, "dev/pts").get(), MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=0620,gid=5", "/dev/pts");
  mount_onto("shm", "tmpfs", ensure_dir_in_root(root, "dev/shm").get(), MS_NOSUID | MS_NODEV | MS_NOEXEC,
             "mode=1777,size=65536k", "/dev/shm");
  for (const auto& [link, to] : {std::pair{"ptmx", "pts/ptmx"}, std::pair{"fd", "/proc/self/fd"},
                                 std::pair{"stdin", "/proc/self/fd/0"}, std::pair{"stdout", "/proc/self/fd/1"},
                                 std::pair{"stderr", "/proc/self/fd/2"}})
    if (::symlinkat(to, dev.get(), link) != 0) throw sys_error(std::string("create /dev/") + link, errno);
  mount_onto("sysfs", "sysfs", ensure_dir_in_root(root, "sys").get(), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
             nullptr, "/sys");
}

}  // namespace nexus::runtime
