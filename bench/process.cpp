#include "bench/process.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <list>
#include <stdexcept>

#include "shared/util/unique_fd.h"

namespace nexus::bench {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop_signal = 0;
Clock::time_point g_deadline = Clock::time_point::max();

void on_stop_signal(int sig) { g_stop_signal = sig; }

std::runtime_error errno_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void exec_child(const Command& cmd, char** argv, char** envp, int in, int out, int err) {
  if (!cmd.netns_path.empty()) {
    int fd = ::open(cmd.netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) _exit(126);
  }
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) _exit(126);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(cmd.path.c_str(), argv, envp);
  // Tell the parent why (async-signal-safe: a fixed text and the errno as digits).
  char digits[12];
  int n = errno, len = 0;
  do { digits[len++] = static_cast<char>('0' + n % 10); n /= 10; } while (n > 0 && len < 11);
  const char prefix[] = "nexus-bench: execve failed, errno ";
  ssize_t ignored = ::write(2, prefix, sizeof prefix - 1);
  while (len > 0) ignored = ::write(2, &digits[--len], 1);
  ignored = ::write(2, "\n", 1);
  (void)ignored;
  _exit(127);
}

struct Pipe {
  UniqueFd read, write;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw errno_error("pipe2");
    read.reset(fds[0]);
    write.reset(fds[1]);
  }
};

// One child in flight: its pid, a pidfd to poll for its exit, and the read ends of its output pipes.
struct Running {
  size_t index = 0;
  pid_t pid = -1;
  UniqueFd pidfd, out, err;
  Clock::time_point start, deadline, end;
  bool exited = false;
  Outcome outcome;
};

void spawn(const Command& cmd, Running& r) {
  Pipe in, out, err;
  if (cmd.discard_output) {
    out.write.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    err.write.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  }
  std::vector<std::string> argv_strings{cmd.path};
  argv_strings.insert(argv_strings.end(), cmd.args.begin(), cmd.args.end());
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(cmd.env);
  r.start = Clock::now();
  r.pid = ::fork();
  if (r.pid < 0) throw errno_error("fork");
  if (r.pid == 0) exec_child(cmd, argv.data(), envp.data(), in.read.get(), out.write.get(), err.write.get());
  r.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, r.pid, 0)));
  if (!r.pidfd) throw errno_error("pidfd_open");
  in.read.reset();
  // A CNI config is far below the pipe capacity (64 KiB), so this write never blocks on a live child.
  size_t done = 0;
  while (done < cmd.stdin_data.size()) {
    ssize_t n = ::write(in.write.get(), cmd.stdin_data.data() + done, cmd.stdin_data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // the child closed stdin early (EPIPE): its exit status tells the story
    done += static_cast<size_t>(n);
  }
  r.out = std::move(out.read);
  r.err = std::move(err.read);
  ::fcntl(r.out.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(r.err.get(), F_SETFL, O_NONBLOCK);
}

// Reads what is available; closes the fd at EOF.
void drain(UniqueFd& fd, std::string& into) {
  char buf[16384];
  while (fd) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) { into.append(buf, static_cast<size_t>(n)); continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) fd.reset();
    return;
  }
}

void reap(Running& r) {
  drain(r.out, r.outcome.out);
  drain(r.err, r.outcome.err);
  r.out.reset();  // a grandchild may still hold the pipe: what it writes later is not ours
  r.err.reset();
  int status = 0;
  struct rusage ru {};
  while (::wait4(r.pid, &status, 0, &ru) < 0 && errno == EINTR) {}
  r.outcome.status = status;
  r.outcome.exited_zero = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  r.outcome.seconds = std::chrono::duration<double>(r.end - r.start).count();
  r.outcome.maxrss_kb = ru.ru_maxrss;
}

// Kills and reaps whatever is still running when run_all leaves by an exception.
struct KillOnExit {
  std::list<Running>& running;
  ~KillOnExit() {
    for (Running& r : running) {
      ::kill(r.pid, SIGKILL);
      while (::waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {}
    }
  }
};

int poll_timeout_ms(const std::list<Running>& running) {
  Clock::time_point next = g_deadline;
  for (const Running& r : running)
    if (!r.exited) next = std::min(next, r.deadline);
  if (next == Clock::time_point::max()) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
}

void wait_for_events(std::list<Running>& running) {
  std::vector<pollfd> fds;
  for (Running& r : running) {
    if (!r.exited) fds.push_back({r.pidfd.get(), POLLIN, 0});
    if (r.out) fds.push_back({r.out.get(), POLLIN, 0});
    if (r.err) fds.push_back({r.err.get(), POLLIN, 0});
  }
  int n = ::poll(fds.data(), fds.size(), poll_timeout_ms(running));
  Clock::time_point now = Clock::now();
  if (n < 0 && errno != EINTR) throw errno_error("poll");
  check_stop();
  for (Running& r : running) {
    drain(r.out, r.outcome.out);
    drain(r.err, r.outcome.err);
    if (r.exited) continue;
    pollfd probe{r.pidfd.get(), POLLIN, 0};
    if (::poll(&probe, 1, 0) == 1) {
      r.exited = true;
      r.end = now;
    } else if (now >= r.deadline && !r.outcome.timed_out) {
      r.outcome.timed_out = true;
      ::kill(r.pid, SIGKILL);
    }
  }
}

}  // namespace

std::string Outcome::describe() const {
  std::string why = timed_out ? "timed out" : WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                                 : "signal " + std::to_string(WTERMSIG(status));
  std::string text = err.empty() ? out : err;
  if (text.size() > 300) text.resize(300);
  return why + ": " + text;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll must return EINTR so the run stops promptly
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

void set_global_deadline(std::chrono::steady_clock::time_point deadline) { g_deadline = deadline; }

void check_stop() {
  if (g_stop_signal != 0 || Clock::now() >= g_deadline) throw Stop();
}

std::vector<Outcome> run_all(const std::vector<Command>& commands, size_t max_inflight,
                             std::chrono::milliseconds timeout) {
  std::vector<Outcome> results(commands.size());
  // A child's ru_maxrss includes the anonymous memory it inherited from us until its exec: hand freed heap
  // back to the kernel so that floor stays low.
  ::malloc_trim(0);
  std::list<Running> running;
  KillOnExit guard{running};
  size_t next = 0;
  while (next < commands.size() || !running.empty()) {
    check_stop();
    while (running.size() < std::max<size_t>(1, max_inflight) && next < commands.size()) {
      Running& r = running.emplace_back();
      r.index = next;
      spawn(commands[next++], r);
      r.deadline = r.start + timeout;
    }
    wait_for_events(running);
    for (auto it = running.begin(); it != running.end();) {
      if (!it->exited) { ++it; continue; }
      reap(*it);
      results[it->index] = std::move(it->outcome);
      it = running.erase(it);
    }
  }
  return results;
}

Outcome run_one(const Command& command, std::chrono::milliseconds timeout) {
  return std::move(run_all({command}, 1, timeout).front());
}

Background::Background(const Command& command) {
  Running r;
  spawn(command, r);
  pid_ = r.pid;
}

Background::~Background() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
}

}  // namespace nexus::bench
