#include "bench/spawner_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace nexus::bench {
namespace {

std::runtime_error errno_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

void append(std::string& payload, const std::string& s) {
  if (s.find('\0') != std::string::npos) throw std::invalid_argument("NUL in a spawn argument");
  payload.append(s).push_back('\0');
}

void send_request(int sock, const spawn_protocol::Request& req, const std::string& payload, const int* fds,
                  size_t nfds) {
  std::string message(reinterpret_cast<const char*>(&req), sizeof req);
  message += payload;
  if (message.size() > spawn_protocol::kMaxRequestBytes) throw std::runtime_error("spawn request too large");
  iovec iov{message.data(), message.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR) throw errno_error("send to nexus-bench-spawner");
}

}  // namespace

SpawnerClient::SpawnerClient() {
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "nexus-bench-spawner";
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw errno_error("socketpair");
  sock_.reset(pair[0]);
  UniqueFd theirs(pair[1]);
  std::string fd_arg = std::to_string(theirs.get()), parent_arg = std::to_string(::getpid());
  pid_ = ::fork();
  if (pid_ < 0) throw errno_error("fork");
  if (pid_ == 0) {
    ::fcntl(theirs.get(), F_SETFD, 0);  // this one end crosses the exec
    char* argv[] = {const_cast<char*>(exe.c_str()), fd_arg.data(), parent_arg.data(), nullptr};
    char* envp[] = {nullptr};
    ::execve(exe.c_str(), argv, envp);
    _exit(127);
  }
}

SpawnerClient::~SpawnerClient() {
  sock_.reset();
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
}

void SpawnerClient::spawn(uint64_t id, const std::string& path, const std::vector<std::string>& args,
                          const std::vector<std::string>& env, const std::string& netns_path, const int stdio[3],
                          std::chrono::milliseconds timeout) {
  spawn_protocol::Request req{spawn_protocol::RequestType::Spawn};
  req.id = id;
  req.timeout_ms = timeout.count();
  std::string payload;
  append(payload, path);
  append(payload, netns_path);
  append(payload, path);  // argv[0]
  // An empty string ends each list on the wire.
  for (const std::string& a : args) append(payload, a.empty() ? throw std::invalid_argument("empty argument") : a);
  payload.push_back('\0');
  for (const std::string& e : env) append(payload, e.empty() ? throw std::invalid_argument("empty env entry") : e);
  payload.push_back('\0');
  send_request(sock_.get(), req, payload, stdio, 3);
}

void SpawnerClient::kill(uint64_t id) {
  spawn_protocol::Request req{spawn_protocol::RequestType::Kill};
  req.id = id;
  send_request(sock_.get(), req, {}, nullptr, 0);
}

std::optional<spawn_protocol::Exited> SpawnerClient::receive() {
  spawn_protocol::Exited e;
  for (;;) {
    ssize_t n = ::recv(sock_.get(), &e, sizeof e, MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(sizeof e)) return e;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::nullopt;
    throw std::runtime_error(n == 0 ? "nexus-bench-spawner exited" : errno_error("recv from nexus-bench-spawner").what());
  }
}

}  // namespace nexus::bench
