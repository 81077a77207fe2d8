#include "bench/tcp_timing.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "shared/util/unique_fd.h"

namespace nexus::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Enters the netns on this thread and listens; the listening fd, or -1 with `error` set.
int listen_in(const std::filesystem::path& netns_path, unsigned port, std::string& error) {
  UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns || ::setns(ns.get(), CLONE_NEWNET) != 0) { error = errno_text("enter netns"); return -1; }
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) { error = errno_text("socket"); return -1; }
  const int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) { error = errno_text("bind"); return -1; }
  if (::listen(s.get(), 128) != 0) { error = errno_text("listen"); return -1; }
  return s.release();
}

bool set_timeout(int fd, int option, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  return ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) == 0;
}

}  // namespace

AcceptCloseServer::AcceptCloseServer(const std::filesystem::path& netns_path, unsigned port) {
  std::promise<int> listening;
  std::future<int> fd = listening.get_future();
  thread_ = std::thread([this, netns_path, port, listening = std::move(listening)]() mutable {
    int s = listen_in(netns_path, port, error_);
    listening.set_value(s);
    if (s >= 0) serve(s);
  });
  if (fd.get() < 0) {
    thread_.join();
    if (error_.empty()) error_ = "cannot listen";
  }
}

AcceptCloseServer::~AcceptCloseServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

// Polls with a short timeout so that the destructor's stop flag is seen within 100 ms.
void AcceptCloseServer::serve(int listen_fd) {
  UniqueFd s(listen_fd);
  while (!stop_) {
    pollfd p{s.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    for (;;) {
      int c = ::accept4(s.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) break;  // EAGAIN: drained
      ::close(c);        // the client sees EOF: accepted and closed
    }
  }
}

std::variant<ConnectTimes, ConnectFailure> timed_connect(const std::string& address, unsigned port,
                                                         std::chrono::milliseconds timeout) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return ConnectFailure{"bad address " + address};
  const Clock::time_point start = Clock::now();
  ConnectTimes times;
  {
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) return ConnectFailure{errno_text("socket")};
    // Blocking calls bounded by the socket timeouts: connect() gives up with EINPROGRESS, read() with EAGAIN.
    if (!set_timeout(s.get(), SO_SNDTIMEO, timeout) || !set_timeout(s.get(), SO_RCVTIMEO, timeout))
      return ConnectFailure{errno_text("setsockopt")};
    const Clock::time_point connect_start = Clock::now();
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      const bool refused = errno == ECONNREFUSED;
      if (errno == EINPROGRESS || errno == EAGAIN) return ConnectFailure{"connect timed out"};
      return ConnectFailure{errno_text("connect"), refused};
    }
    char byte;
    ssize_t n = ::read(s.get(), &byte, 1);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ConnectFailure{"no EOF from the server (timed out)"};
    if (n < 0) return ConnectFailure{errno_text("read")};
    if (n > 0) return ConnectFailure{"unexpected data from the server"};
    times.connected_s = seconds_since(connect_start);
  }
  times.total_s = seconds_since(start);
  return times;
}

}  // namespace nexus::bench
