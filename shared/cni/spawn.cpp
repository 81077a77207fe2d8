#include "shared/cni/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "shared/base/error.h"

namespace nexus::cni {
namespace {

// What the child reads and writes. It shares our memory until it execs (CLONE_VM | CLONE_VFORK, as glibc's
// posix_spawn does) while we are suspended, so it only makes system calls: no allocation, no locks.
struct ChildArgs {
  const SpawnRequest* request;
  pid_t parent;
  sigset_t mask;       // ours, restored in the child just before the exec
  int exec_errno = 0;  // set by a child that could not exec
};

[[noreturn]] void child_fail(ChildArgs* args, int err) {
  args->exec_errno = err;
  ::_exit(127);
}

int child_main(void* raw) {
  auto* args = static_cast<ChildArgs*>(raw);
  const SpawnRequest& r = *args->request;
  // A handler of ours must not run in the child; SIGPIPE, ignored by plugins that write to pipes, is the
  // plugin's own business again. Other ignored signals stay ignored, as with fork and exec.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    if (sig == SIGKILL || sig == SIGSTOP || ::sigaction(sig, nullptr, &current) != 0) continue;
    if (sig == SIGPIPE || (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN))
      ::sigaction(sig, &dfl, nullptr);
  }
  if (r.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(args, errno);
    // A parent that died before the prctl signals nobody: we were re-parented, so stop here.
    if (::getppid() != args->parent) ::_exit(127);
  }
  // Sources in 0-2 could be overwritten by another's dup2: move them up first.
  int sources[3] = {r.stdin_fd, r.stdout_fd, r.stderr_fd};
  for (int& fd : sources) {
    if (fd >= 0 && fd <= 2 && (fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) child_fail(args, errno);
  }
  for (int target = 0; target < 3; ++target) {
    if (sources[target] >= 0 && ::dup2(sources[target], target) < 0) child_fail(args, errno);
  }
  ::sigprocmask(SIG_SETMASK, &args->mask, nullptr);
  ::execve(r.path->c_str(), r.argv, r.envp);
  child_fail(args, errno);
}

// Enough for child_main and the libc calls it makes; the kernel faults in only the pages it touches.
constexpr size_t kChildStack = 64 * 1024;

}  // namespace

pid_t spawn_plugin_process(const SpawnRequest& request) {
  ChildArgs args{.request = &request, .parent = ::getpid(), .mask = {}};
  const auto stack = std::make_unique_for_overwrite<char[]>(kChildStack);
  void* top = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(stack.get() + kChildStack) & ~uintptr_t{15});
  // No signal handler may run in the child while it shares our memory: all are blocked until it has reset them.
  sigset_t all;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &args.mask);
  const pid_t pid = ::clone(child_main, top, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  const int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &args.mask, nullptr);
  if (pid < 0) throw sys_error("start plugin '" + *request.path + "'", clone_errno);
  if (args.exec_errno != 0) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw sys_error("execute plugin '" + *request.path + "'", args.exec_errno);
  }
  return pid;
}

}  // namespace nexus::cni
