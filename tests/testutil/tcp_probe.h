#pragma once
// TCP (and UDP) between namespaces without helper programs: a listener thread that lives in one netns and a connect from
// another. setns() switches only the calling thread, so each side runs on its own thread.
#include <sys/socket.h>

#include <future>
#include <string>
#include <thread>

namespace nexus::testutil {

/// A one-shot server on a thread of its own inside the netns `netns_fd` (-1: where the caller is): it binds
/// `address`:`port` and answers the first client within `timeout_ms` with a greeting; peer() is the client's
/// address as seen here ("" if none came). TcpListener and UdpResponder pick the protocol.
class NetnsServer {
 public:
  ~NetnsServer();
  NetnsServer(const NetnsServer&) = delete;
  NetnsServer& operator=(const NetnsServer&) = delete;
  /// Blocks until the server is ready (or failed to bind: then false).
  bool ready();
  /// Waits for the client (or the timeout) and returns its address.
  std::string peer();

 protected:
  NetnsServer(int netns_fd, const std::string& address, int port, int timeout_ms, int socket_type);

 private:
  std::promise<bool> ready_promise_;
  std::future<bool> ready_;
  std::future<std::string> peer_;
  std::thread thread_;
};

/// Accepts one TCP connection and writes the greeting to it.
class TcpListener : public NetnsServer {
 public:
  TcpListener(int netns_fd, const std::string& address, int port, int timeout_ms = 5000)
      : NetnsServer(netns_fd, address, port, timeout_ms, SOCK_STREAM) {}
};

/// Answers one UDP datagram with the greeting.
class UdpResponder : public NetnsServer {
 public:
  UdpResponder(int netns_fd, const std::string& address, int port, int timeout_ms = 5000)
      : NetnsServer(netns_fd, address, port, timeout_ms, SOCK_DGRAM) {}
};

/// Connects from inside `netns_fd` (-1: here) to `address`:`port`, reads the greeting; returns it ("" on failure).
std::string tcp_exchange(int netns_fd, const std::string& address, int port, int timeout_ms = 5000);

/// Sends a datagram from inside `netns_fd` (-1: here) to `address`:`port` and returns the answer ("" if none).
std::string udp_exchange(int netns_fd, const std::string& address, int port, int timeout_ms = 5000);

}  // namespace nexus::testutil
