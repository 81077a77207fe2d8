#include "bench/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <stdexcept>

#include "bench/spawner_client.h"
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

// Plugins run as children of one nexus-bench-spawner (bench/spawner/main.cpp), started on first use.
std::unique_ptr<SpawnerClient> g_spawner;
uint64_t g_next_id = 1;
// Exit reports that arrived while nobody waited for them (a background server that died early).
std::map<uint64_t, spawn_protocol::Exited> g_unclaimed;

SpawnerClient& spawner() {
  if (!g_spawner) g_spawner = std::make_unique<SpawnerClient>();
  return *g_spawner;
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

// One child in flight: its id at the spawner and the read ends of its output pipes.
struct Running {
  size_t index = 0;
  uint64_t id = 0;
  UniqueFd out, err;
  bool exited = false;
  Outcome outcome;
};

void spawn(const Command& cmd, Running& r, std::chrono::milliseconds timeout) {
  Pipe in, out, err;
  if (cmd.discard_output) {
    out.write.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    err.write.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  }
  r.id = g_next_id++;
  const int stdio[3] = {in.read.get(), out.write.get(), err.write.get()};
  spawner().spawn(r.id, cmd.path, cmd.args, cmd.env, cmd.netns_path, stdio, timeout);
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

void record_exit(Running& r, const spawn_protocol::Exited& e) {
  drain(r.out, r.outcome.out);
  drain(r.err, r.outcome.err);
  r.out.reset();  // a grandchild may still hold the pipe: what it writes later is not ours
  r.err.reset();
  r.exited = true;
  r.outcome.status = e.status;
  r.outcome.timed_out = e.timed_out != 0;
  r.outcome.exited_zero = WIFEXITED(e.status) && WEXITSTATUS(e.status) == 0;
  r.outcome.seconds = static_cast<double>(e.end_ns - e.start_ns) / 1e9;
  r.outcome.maxrss_kb = e.maxrss_kb;
}

// When run_all leaves by an exception, the spawner goes: it kills and reaps whatever still runs.
struct KillOnExit {
  bool done = false;
  ~KillOnExit() {
    if (!done) g_spawner.reset();
  }
};

int poll_timeout_ms() {
  if (g_deadline == Clock::time_point::max()) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(g_deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
}

// Waits for output or exits; drains only the pipes that have something (a hundred children in flight).
void wait_for_events(std::list<Running>& running) {
  std::vector<pollfd> fds{{spawner().fd(), POLLIN, 0}};
  std::vector<std::pair<UniqueFd*, std::string*>> sinks;
  for (Running& r : running) {
    for (auto [fd, into] : {std::pair{&r.out, &r.outcome.out}, std::pair{&r.err, &r.outcome.err}})
      if (*fd) {
        fds.push_back({fd->get(), POLLIN, 0});
        sinks.emplace_back(fd, into);
      }
  }
  int n = ::poll(fds.data(), fds.size(), poll_timeout_ms());
  if (n < 0 && errno != EINTR) throw errno_error("poll");
  check_stop();
  for (size_t i = 1; i < fds.size(); ++i)
    if (fds[i].revents != 0) drain(*sinks[i - 1].first, *sinks[i - 1].second);
  if (fds[0].revents == 0) return;
  while (std::optional<spawn_protocol::Exited> e = spawner().receive()) {
    auto it = std::find_if(running.begin(), running.end(), [&](const Running& r) { return r.id == e->id; });
    if (it != running.end()) record_exit(*it, *e);
    else g_unclaimed[e->id] = *e;
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
  std::list<Running> running;
  KillOnExit guard;
  size_t next = 0;
  while (next < commands.size() || !running.empty()) {
    check_stop();
    while (running.size() < std::max<size_t>(1, max_inflight) && next < commands.size()) {
      Running& r = running.emplace_back();
      r.index = next;
      spawn(commands[next++], r, timeout);
    }
    wait_for_events(running);
    for (auto it = running.begin(); it != running.end();) {
      if (!it->exited) { ++it; continue; }
      results[it->index] = std::move(it->outcome);
      it = running.erase(it);
    }
  }
  guard.done = true;
  return results;
}

Outcome run_one(const Command& command, std::chrono::milliseconds timeout) {
  return std::move(run_all({command}, 1, timeout).front());
}

Background::Background(const Command& command) {
  Running r;
  spawn(command, r, std::chrono::milliseconds(0));
  id_ = r.id;
}

Background::~Background() {
  if (id_ == 0 || !g_spawner || g_unclaimed.erase(id_) > 0) return;
  try {
    g_spawner->kill(id_);
    for (;;) {
      pollfd p{g_spawner->fd(), POLLIN, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) break;
      std::optional<spawn_protocol::Exited> e = g_spawner->receive();
      if (e && e->id == id_) break;
      if (e) g_unclaimed[e->id] = *e;
    }
  } catch (const std::exception&) {
    g_spawner.reset();  // the spawner is gone or broken: starting over kills what it ran
  }
}

}  // namespace nexus::bench
