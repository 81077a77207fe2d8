#pragma once
// TCP (and UDP) between namespaces without helper programs: a listener thread that lives in one netns and a connect from
// another. setns() switches only the calling thread, so each side runs on its own thread.
#include <future>
#include <string>
#include <thread>

namespace nexus::testutil {

/// Listens on `address`:`port` inside the netns `netns_fd` (-1: where the caller is) and accepts one connection
/// within `timeout_ms`; peer() is the client's address as seen here ("" if none came).
class TcpListener {
 public:
  TcpListener(int netns_fd, const std::string& address, int port, int timeout_ms = 5000);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  /// Blocks until the listener is ready to accept (or failed to bind: then false).
  bool ready();
  /// Waits for the connection (or the timeout) and returns the peer address.
  std::string peer();

 private:
  std::promise<bool> ready_promise_;
  std::future<bool> ready_;
  std::future<std::string> peer_;
  std::thread thread_;
};

/// Connects from inside `netns_fd` (-1: here) to `address`:`port`, reads the greeting; returns it ("" on failure).
std::string tcp_exchange(int netns_fd, const std::string& address, int port, int timeout_ms = 5000);

/// The same for UDP: binds `address`:`port` inside `netns_fd` and answers one datagram with the greeting;
/// peer() is the sender's address ("" if none came).
class UdpResponder {
 public:
  UdpResponder(int netns_fd, const std::string& address, int port, int timeout_ms = 5000);
  ~UdpResponder();
  UdpResponder(const UdpResponder&) = delete;
  UdpResponder& operator=(const UdpResponder&) = delete;
  bool ready();
  std::string peer();

 private:
  std::promise<bool> ready_promise_;
  std::future<bool> ready_;
  std::future<std::string> peer_;
  std::thread thread_;
};

/// Sends a datagram from inside `netns_fd` (-1: here) to `address`:`port` and returns the answer ("" if none).
std::string udp_exchange(int netns_fd, const std::string& address, int port, int timeout_ms = 5000);

}  // namespace nexus::testutil
