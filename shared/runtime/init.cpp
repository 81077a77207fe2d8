#include "shared/runtime/init.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nexus::runtime {
namespace {

constexpr int kSignals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT};

void ignore_handler(int) {}

// PID 1 of a namespace only receives signals it has a handler for (the kernel drops the rest), so install a
// handler, then block the signals and take them synchronously with sigwaitinfo().
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

[[noreturn]] void exec_command(const std::vector<std::string>& command, int report_fd) {
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

}  // namespace

int run_node_init(const std::vector<std::string>& command, int report_fd) {
  sigset_t set = take_over_signals();
  pid_t main_pid = -1;
  if (!command.empty()) {
    main_pid = ::fork();
    if (main_pid == 0) exec_command(command, report_fd);
    if (main_pid < 0) return 127;
  }
  if (report_fd >= 0) ::close(report_fd);
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&set, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      if (main_pid < 0) return 0;
      ::kill(main_pid, sig);
      continue;
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == main_pid) return exit_status(status);
    }
  }
}

}  // namespace nexus::runtime
