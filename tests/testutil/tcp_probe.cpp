#include "tests/testutil/tcp_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "shared/util/unique_fd.h"

namespace nexus::testutil {
namespace {

constexpr char kGreeting[] = "nexus-ok";

bool make_sockaddr(const std::string& address, int port, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
    return true;
  }
  if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
    return true;
  }
  return false;
}

std::string peer_text(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  else
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
  return buf;
}

bool wait_fd(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// Runs `body` on a thread that entered `netns_fd` (when >= 0) with a socket of `type` for `address`:`port`;
// returns what body returned, "" when the netns, address or socket failed.
std::string in_netns(int netns_fd, const std::string& address, int port, int type,
                     const std::function<std::string(int fd, const sockaddr_storage& ss, socklen_t len)>& body) {
  std::string out;
  std::thread t([&] {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if ((netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) || !make_sockaddr(address, port, ss, len)) return;
    UniqueFd s(::socket(ss.ss_family, type | SOCK_CLOEXEC, 0));
    if (s) out = body(s.get(), ss, len);
  });
  t.join();
  return out;
}

}  // namespace

NetnsServer::NetnsServer(int netns_fd, const std::string& address, int port, int timeout_ms, int socket_type)
    : ready_(ready_promise_.get_future()) {
  std::packaged_task<std::string()> task([this, netns_fd, address, port, timeout_ms, socket_type]() -> std::string {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if ((netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) || !make_sockaddr(address, port, ss, len)) {
      ready_promise_.set_value(false);
      return "";
    }
    const bool tcp = socket_type == SOCK_STREAM;
    UniqueFd s(::socket(ss.ss_family, socket_type | SOCK_CLOEXEC, 0));
    const int one = 1;
    if (s && tcp) ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool ok = s && ::bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0 && (!tcp || ::listen(s.get(), 4) == 0);
    ready_promise_.set_value(ok);
    if (!ok || !wait_fd(s.get(), POLLIN, timeout_ms)) return "";
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    if (tcp) {
      UniqueFd c(::accept4(s.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC));
      if (!c) return "";
      [[maybe_unused]] const ssize_t n = ::write(c.get(), kGreeting, sizeof kGreeting - 1);
    } else {
      char buf[64];
      if (::recvfrom(s.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peer_len) < 0) return "";
      [[maybe_unused]] const ssize_t n =
          ::sendto(s.get(), kGreeting, sizeof kGreeting - 1, 0, reinterpret_cast<sockaddr*>(&peer), peer_len);
    }
    return peer_text(peer);
  });
  peer_ = task.get_future();
  thread_ = std::thread(std::move(task));  // a dedicated thread: its netns switch dies with it
}

NetnsServer::~NetnsServer() {
  if (thread_.joinable()) thread_.join();
}

bool NetnsServer::ready() { return ready_.get(); }

std::string NetnsServer::peer() { return peer_.get(); }

std::string tcp_exchange(int netns_fd, const std::string& address, int port, int timeout_ms) {
  return in_netns(netns_fd, address, port, SOCK_STREAM | SOCK_NONBLOCK,
                  [&](int s, const sockaddr_storage& ss, socklen_t len) -> std::string {
                    if (::connect(s, reinterpret_cast<const sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
                      return "";
                    if (!wait_fd(s, POLLOUT, timeout_ms)) return "";
                    int err = 0;
                    socklen_t err_len = sizeof err;
                    if (::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) return "";
                    char buf[64];
                    if (!wait_fd(s, POLLIN, timeout_ms)) return "";
                    const ssize_t n = ::read(s, buf, sizeof buf);
                    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
                  });
}

std::string udp_exchange(int netns_fd, const std::string& address, int port, int timeout_ms) {
  return in_netns(netns_fd, address, port, SOCK_DGRAM,
                  [&](int s, const sockaddr_storage& ss, socklen_t len) -> std::string {
                    if (::connect(s, reinterpret_cast<const sockaddr*>(&ss), len) != 0) return "";
                    if (::send(s, "ping", 4, 0) != 4 || !wait_fd(s, POLLIN, timeout_ms)) return "";
                    char buf[64];
                    const ssize_t n = ::recv(s, buf, sizeof buf, 0);
                    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
                  });
}

}  // namespace nexus::testutil
