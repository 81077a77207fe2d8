#include "tests/testutil/command.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "shared/util/unique_fd.h"

extern char** environ;

namespace nexus::testutil {
namespace {

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// Built before fork: the child may only call async-signal-safe functions.
std::vector<std::string> build_env(const CommandOptions& options) {
  std::vector<std::string> env;
  if (!options.clear_env) {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  }
  for (const std::string& entry : options.env) {
    std::erase_if(env, [&](const std::string& old) { return env_key(old) == env_key(entry); });
    env.push_back(entry);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void child_message(const char* msg) { (void)!::write(2, msg, std::strlen(msg)); }

// What `ip netns exec` does: sysfs shows the netns of whoever mounted it, so a child in a test netns gets a
// private mount namespace with a fresh /sys (/sys/class/net then lists that netns' interfaces). Only
// async-signal-safe calls: this runs between fork and exec.
void remount_sysfs() {
  if (::unshare(CLONE_NEWNS) != 0) return child_message("run_command: unshare(CLONE_NEWNS) failed\n");
  if (::mount("", "/", "none", MS_SLAVE | MS_REC, nullptr) != 0) return child_message("run_command: make / rslave failed\n");
  // Keep the cgroup hierarchies: runc and the launcher need them under the fresh /sys.
  const int cgroup = static_cast<int>(
      ::syscall(SYS_open_tree, AT_FDCWD, "/sys/fs/cgroup", OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC));
  ::umount2("/sys", MNT_DETACH);
  if (::mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0) child_message("run_command: mount sysfs failed\n");
  if (cgroup >= 0 &&
      ::syscall(SYS_move_mount, cgroup, "", AT_FDCWD, "/sys/fs/cgroup", MOVE_MOUNT_F_EMPTY_PATH) != 0)
    child_message("run_command: moving the cgroup mounts into the fresh /sys failed\n");
}

[[noreturn]] void exec_child(Pipe& in, Pipe& out, Pipe& err, char** argv, char** envp, int netns_fd, bool own_sysfs) {
  ::dup2(in.read.get(), 0);
  ::dup2(out.write.get(), 1);
  ::dup2(err.write.get(), 2);
  ::signal(SIGPIPE, SIG_DFL);  // the parent ignores it; ignored dispositions survive exec
  if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) {
    child_message("run_command: setns failed\n");
    ::_exit(126);
  }
  if (own_sysfs) remount_sysfs();
  ::execvpe(argv[0], argv, envp);
  child_message("run_command: exec failed\n");
  ::_exit(127);
}

// Reads what is available; returns false at EOF or error.
bool drain(int fd, std::string& into) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Pumps stdin/stdout/stderr until the child exits (its pidfd turns readable) or the deadline passes. Waiting
// on the child rather than on EOF means a background process it left behind cannot hang the test.
bool pump(int pidfd, Pipe& in, Pipe& out, Pipe& err, const std::string& input, CommandResult& result,
          std::chrono::steady_clock::time_point deadline) {
  size_t written = 0;
  if (input.empty()) in.write.reset();
  for (;;) {
    pollfd fds[4] = {{pidfd, POLLIN, 0}, {out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0},
                     {in.write.get(), POLLOUT, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (::poll(fds, 4, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    if (fds[1].revents != 0 && !drain(out.read.get(), result.out)) out.read.reset();
    if (fds[2].revents != 0 && !drain(err.read.get(), result.err)) err.read.reset();
    if (fds[3].revents != 0) {
      const ssize_t n = ::write(in.write.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = input.size();
      if (written == input.size()) in.write.reset();
    }
    if (fds[0].revents != 0) {
      if (out.read) drain(out.read.get(), result.out);
      if (err.read) drain(err.read.get(), result.err);
      return true;
    }
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv_in, const CommandOptions& options) {
  if (argv_in.empty()) throw std::invalid_argument("run_command: empty argv");
  ::signal(SIGPIPE, SIG_IGN);  // a child that ignores its stdin must not kill the test
  std::vector<std::string> argv_strings = argv_in;
  std::vector<std::string> env_strings = build_env(options);
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);
  const bool own_sysfs = options.fresh_sysfs.value_or(options.netns_fd >= 0);
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(in, out, err, argv.data(), envp.data(), options.netns_fd, own_sysfs);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  set_nonblocking(in.write.get());
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  const bool finished = pidfd && pump(pidfd.get(), in, out, err, options.stdin_data, result, deadline);
  if (!finished) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = finished ? decode_status(status) : -1;
  return result;
}

CommandResult run_shell(const std::string& shell_command, const CommandOptions& options) {
  return run_command({"sh", "-c", shell_command}, options);
}

}  // namespace nexus::testutil
