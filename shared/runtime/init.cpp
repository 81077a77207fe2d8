#include "shared/runtime/init.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shared/runtime/capped_log.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {
namespace {

constexpr int kSignals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT};

void ignore_handler(int) {}

// PID 1 of a namespace only receives signals it has a handler for (the kernel drops the rest), so install a
// handler, then block the signals and take them synchronously (signalfd).
sigset_t take_over_signals() {
  sigset_t set;
  sigemptyset(&set);
  struct sigaction sa {};
  sa.sa_handler = ignore_handler;
  for (int sig : kSignals) {
    sigaddset(&set, sig);
    ::sigaction(sig, &sa, nullptr);
  }
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  return set;
}

[[noreturn]] void exec_command(const std::vector<std::string>& command, int report_fd, int output_fd) {
  if (output_fd >= 0) {
    ::dup2(output_fd, STDOUT_FILENO);
    ::dup2(output_fd, STDERR_FILENO);
  }
  sigset_t none;
  sigemptyset(&none);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : kSignals) ::sigaction(sig, &dfl, nullptr);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::string msg = "cannot run '" + command[0] + "': " + std::strerror(errno);
  if (report_fd >= 0) {
    [[maybe_unused]] ssize_t n = ::write(report_fd, msg.data(), msg.size());
  }
  ::_exit(127);
}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// Copies what is in the pipe into the log; false at end of file (every writer closed it) or on error.
bool copy_output(int pipe_fd, CappedLog& log) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(pipe_fd, buf, sizeof buf);
    if (n > 0) {
      log.write(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

}  // namespace

int run_node_init(const std::vector<std::string>& command, int report_fd, CappedLog* log) {
  sigset_t set = take_over_signals();
  UniqueFd output_read, output_write;
  if (log != nullptr && !command.empty()) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) output_read.reset(fds[0]), output_write.reset(fds[1]);
    if (output_read) ::fcntl(output_read.get(), F_SETFL, O_NONBLOCK);
  }
  pid_t main_pid = -1;
  if (!command.empty()) {
    main_pid = ::fork();
    if (main_pid == 0) exec_command(command, report_fd, output_write.get());
    if (main_pid < 0) return 127;
  }
  output_write.reset();
  if (report_fd >= 0) ::close(report_fd);
  const UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  for (;;) {
    pollfd fds[2] = {{signals.get(), POLLIN, 0}, {output_read.get(), POLLIN, 0}};
    if (::poll(fds, output_read ? 2 : 1, -1) < 0) continue;
    if (output_read && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_output(output_read.get(), *log))
      output_read.reset();  // every writer is gone
    if (!(fds[0].revents & POLLIN)) continue;
    signalfd_siginfo info{};
    if (::read(signals.get(), &info, sizeof info) != sizeof info) continue;
    const int sig = static_cast<int>(info.ssi_signo);
    if (sig != SIGCHLD) {
      if (main_pid < 0) return 0;
      ::kill(main_pid, sig);
      continue;
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != main_pid) continue;
      if (output_read) copy_output(output_read.get(), *log);  // what it wrote just before it exited
      return exit_status(status);
    }
  }
}

}  // namespace nexus::runtime
