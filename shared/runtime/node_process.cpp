#include "shared/runtime/node_process.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "shared/base/error.h"
#include "shared/runtime/capped_log.h"
#include "shared/runtime/init.h"
#include "shared/runtime/mounts.h"
#include "shared/runtime/namespaces.h"
#include "shared/runtime/node_env.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {
namespace {

constexpr int kGoFd = 3;
constexpr int kReportFd = 4;

// The child is a copy of the launcher: drop every inherited fd (the state lock above all, or the lock would be
// held for the node's lifetime) and detach from the caller's terminal. The node's log is opened here, while
// its directory is still in sight: init's own stdout and stderr, and the command's through init (capped_log.h).
CappedLog isolate_fds(SyncPipe& sync, const std::string& log_file, uint64_t log_max_bytes) {
  sync.close_parent_ends();
  sync.move_child_ends(kGoFd, kReportFd);
  ::syscall(SYS_close_range, kReportFd + 1, ~0U, 0);
  const auto slash = log_file.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : log_file.substr(0, slash);
  const std::string name = slash == std::string::npos ? log_file : log_file.substr(slash + 1);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (null_fd < 0 || log_fd < 0 || !dir_fd) throw sys_error("open node stdio", errno);
  ::dup2(null_fd, 0);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  ::close(null_fd);
  ::close(log_fd);
  ::setsid();
  return CappedLog(std::move(dir_fd), name, log_max_bytes);
}

// Plugins configure the node's interface, but not every chain raises loopback (the reference bridge does not);
// a node whose 127.0.0.1 does not answer surprises everyone.
void bring_up_loopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw sys_error("open socket for loopback", errno);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) throw sys_error("read flags of lo", errno);
  if (req.ifr_flags & IFF_UP) return;
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) throw sys_error("bring lo up", errno);
}

// A rootfs is the user's tree, maybe hostile: what goes inside it is resolved within it (mounts.h), then we
// pivot into it, taking those mounts along.
void set_up_rootfs(const NodeProcessSpec& spec) {
  const UniqueFd root(::open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw sys_error("open rootfs " + spec.rootfs, errno);
  bind_file_in_root(root.get(), spec.hosts_file, "etc/hosts");
  bind_file_in_root(root.get(), spec.resolv_file, "etc/resolv.conf");
  mount_proc_in_root(root.get());
  mount_dev_and_sys(root.get());
  pivot_into(spec.rootfs);
}

void set_up_node(const NodeProcessSpec& spec) {
  if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) throw sys_error("set hostname", errno);
  bring_up_loopback();
  make_mounts_private_to_node();
  detach_mount(spec.netns_dir);
  hide_directory(spec.netns_dir);
  if (spec.rootfs.empty()) {
    bind_file(spec.hosts_file, "/etc/hosts");
    bind_file(spec.resolv_file, "/etc/resolv.conf");
    mount_proc();
  } else {
    set_up_rootfs(spec);
  }
  if (::chdir("/") != 0) throw sys_error("chdir /", errno);
  ::prctl(PR_SET_NAME, "nexus-init", 0, 0, 0);
}

[[noreturn]] void node_main(const NodeProcessSpec& spec, SyncPipe& sync) {
  try {
    CappedLog log = isolate_fds(sync, spec.log_file, spec.log_max_bytes);
    if (!sync.wait_for_parent()) ::_exit(1);  // the parent failed and rolls back; nothing to report
    set_up_node(spec);
    replace_environment(spec.env);
    ::_exit(run_node_init(spec.command, sync.report_fd(), &log));
  } catch (const Error& e) {
    sync.report_error(std::string(e.what()) + (e.details().empty() ? "" : " (" + e.details() + ")"));
  } catch (const std::exception& e) {
    sync.report_error(e.what());
  } catch (...) {
    sync.report_error("node setup failed");
  }
  ::_exit(1);
}

}  // namespace

pid_t spawn_node_process(const NodeProcessSpec& spec, SyncPipe& sync) {
  pid_t pid = clone_into_namespaces(node_namespace_flags());
  if (pid == 0) node_main(spec, sync);  // never returns: no destructor of the parent's frames runs twice
  sync.close_child_ends();
  return pid;
}

}  // namespace nexus::runtime
