// nexus-bench-spawner: starts the plugin processes of nexus-bench and reports how each ended.
//
// Why a process of its own: a runtime starts a plugin cheaply (libcni is Go, whose os/exec clones with
// CLONE_VM|CLONE_VFORK: no copy of the runtime's address space). A fork of the bench instead copies and then
// tears down the bench's page tables in every child, which on a 2-core machine is a cost the size of the
// plugin's own and would blur the comparison. vfork from the bench itself would be as cheap, but the kernel
// folds the old address space's high-water mark into ru_maxrss at exec, so every plugin would report the
// bench's memory. This spawner is small and static: vfork from it costs little and leaves its children's
// ru_maxrss theirs (the bench's "floor" row shows what remains).
//
// Protocol: bench/spawn_protocol.h over the SOCK_SEQPACKET socket whose fd is argv[1]. The spawner and every
// child die with their parent (PR_SET_PDEATHSIG); when the bench closes the socket, the spawner kills what
// still runs, reaps it and exits.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/spawn_protocol.h"

namespace {

using namespace nexus::bench::spawn_protocol;

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Child {
  uint64_t id = 0;
  pid_t pid = -1;
  int pidfd = -1;
  int64_t start_ns = 0;
  int64_t deadline_ns = INT64_MAX;
  bool timed_out = false;
};

// What one Spawn request asks for, pointing into the request buffer.
struct Launch {
  const char* path = nullptr;
  const char* netns = nullptr;  // "" for none
  std::vector<char*> argv, envp;
  int fds[3] = {-1, -1, -1};
};

// Runs in the vfork child on the spawner's memory: only system calls, no writes to the caller's frame.
[[noreturn]] __attribute__((noinline)) void exec_child(const Launch& l) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (l.netns[0] != '\0') {
    int fd = ::open(l.netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) _exit(126);
  }
  if (::dup2(l.fds[0], 0) < 0 || ::dup2(l.fds[1], 1) < 0 || ::dup2(l.fds[2], 2) < 0) _exit(126);
  ::execve(l.path, l.argv.data(), l.envp.data());
  const char text[] = "nexus-bench-spawner: execve failed\n";
  ssize_t ignored = ::write(2, text, sizeof text - 1);
  (void)ignored;
  _exit(127);
}

pid_t start(const Launch& l) {
  pid_t pid = ::vfork();
  if (pid == 0) exec_child(l);
  return pid;
}

void send_exit(int sock, const Child& c, int status, long maxrss_kb) {
  Exited e;
  e.id = c.id;
  e.status = status;
  e.timed_out = c.timed_out ? 1 : 0;
  e.start_ns = c.start_ns;
  e.end_ns = now_ns();
  e.maxrss_kb = maxrss_kb;
  // The bench reads promptly; a full socket buffer only delays us.
  while (::send(sock, &e, sizeof e, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

// Splits the payload "path\0netns\0arg0\0...\0\0env...\0\0" into a Launch; false when malformed.
bool parse(const char* p, const char* end, Launch& l) {
  auto next = [&](const char*& s) {
    const char* z = static_cast<const char*>(std::memchr(p, '\0', static_cast<size_t>(end - p)));
    if (z == nullptr) return false;
    s = p;
    p = z + 1;
    return true;
  };
  if (!next(l.path) || !next(l.netns)) return false;
  for (std::vector<char*>* list : {&l.argv, &l.envp}) {
    for (const char* s = nullptr;;) {
      if (!next(s)) return false;
      if (*s == '\0') break;
      list->push_back(const_cast<char*>(s));
    }
    list->push_back(nullptr);
  }
  return true;
}

void handle_spawn(int sock, const Request& req, const char* payload, const char* end, const int fds[3],
                  std::vector<Child>& children) {
  Child c;
  c.id = req.id;
  c.start_ns = now_ns();
  if (req.timeout_ms > 0) c.deadline_ns = c.start_ns + req.timeout_ms * 1'000'000;
  Launch l;
  std::copy(fds, fds + 3, l.fds);
  pid_t pid = parse(payload, end, l) ? start(l) : -1;
  for (int i = 0; i < 3; ++i) ::close(fds[i]);
  if (pid > 0) c.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pid <= 0 || c.pidfd < 0) {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    send_exit(sock, c, 126 << 8, 0);
    return;
  }
  c.pid = pid;
  children.push_back(c);
}

// Reads every queued request; false once the bench closed its end.
bool read_requests(int sock, std::vector<Child>& children) {
  static std::vector<char> buf(kMaxRequestBytes);
  for (;;) {
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    int fds[3] = {-1, -1, -1};
    size_t nfds = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        std::memcpy(fds, CMSG_DATA(c), std::min<size_t>(nfds, 3) * sizeof(int));
      }
    if (static_cast<size_t>(n) < sizeof(Request)) std::abort();  // only the bench talks to us
    Request req;
    std::memcpy(&req, buf.data(), sizeof req);
    if (req.type == RequestType::Spawn && nfds == 3) {
      handle_spawn(sock, req, buf.data() + sizeof req, buf.data() + n, fds, children);
    } else if (req.type == RequestType::Kill) {
      for (Child& c : children)
        if (c.id == req.id) ::kill(c.pid, SIGKILL);
    } else {
      std::abort();
    }
  }
}

void reap(int sock, Child& c) {
  int status = 0;
  rusage ru{};
  while (::wait4(c.pid, &status, 0, &ru) < 0 && errno == EINTR) {}
  send_exit(sock, c, status, ru.ru_maxrss);
  ::close(c.pidfd);
}

int poll_timeout_ms(const std::vector<Child>& children) {
  int64_t next = INT64_MAX;
  for (const Child& c : children)
    if (!c.timed_out) next = std::min(next, c.deadline_ns);
  if (next == INT64_MAX) return -1;
  return static_cast<int>(std::clamp<int64_t>((next - now_ns()) / 1'000'000 + 1, 0, 60'000));
}

}  // namespace

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc != 3 || ::getppid() != std::atoi(argv[2])) return 2;  // the bench died before the prctl
  const int sock = std::atoi(argv[1]);
  std::vector<Child> children;
  std::vector<pollfd> fds;
  for (bool open = true; open || !children.empty();) {
    fds.assign(1, pollfd{open ? sock : -1, POLLIN, 0});
    for (const Child& c : children) fds.push_back({c.pidfd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), poll_timeout_ms(children)) < 0 && errno != EINTR) return 1;
    if (open && (fds[0].revents & (POLLIN | POLLHUP)) != 0 && !read_requests(sock, children)) {
      open = false;  // the bench is done with us: end what still runs
      for (Child& c : children) ::kill(c.pid, SIGKILL);
    }
    // fds[i + 1] is children[i] as of the poll; new children were appended after it.
    std::vector<Child> still;
    for (size_t i = 0; i < children.size(); ++i) {
      Child& c = children[i];
      if (i + 1 < fds.size() && (fds[i + 1].revents & POLLIN) != 0) {
        reap(sock, c);
        continue;
      }
      if (!c.timed_out && now_ns() >= c.deadline_ns) {
        c.timed_out = true;
        ::kill(c.pid, SIGKILL);
      }
      still.push_back(c);
    }
    children.swap(still);
  }
  return 0;
}
