#pragma once
// New-connection timing without helper programs: an accept-and-close server on a thread that lives in a
// container's netns, and a timed connect from wherever the caller is (the bench's "host" netns).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <variant>

namespace nexus::bench {

/// Listens on 0.0.0.0:`port` inside the netns at `netns_path` and closes every connection it accepts, until
/// destroyed. Its own thread enters the netns: setns() switches only the calling thread, and the switch dies with
/// the thread.
class AcceptCloseServer {
 public:
  AcceptCloseServer(const std::filesystem::path& netns_path, unsigned port);
  ~AcceptCloseServer();
  AcceptCloseServer(const AcceptCloseServer&) = delete;
  AcceptCloseServer& operator=(const AcceptCloseServer&) = delete;

  /// Empty once listening; otherwise why it could not.
  const std::string& error() const { return error_; }

 private:
  void serve(int listen_fd);

  std::atomic<bool> stop_{false};
  std::string error_;
  std::thread thread_;
};

/// One connection's times: `connected` from connect() to the server's FIN (EOF: it accepted and closed), `total`
/// from socket() to close(), i.e. what one more connection costs a sequential client.
struct ConnectTimes {
  double connected_s = 0;
  double total_s = 0;
};

/// Why a connection failed, in words; `refused` when the host answered with a reset (nothing listens and nothing
/// forwards the port), as opposed to a timeout (the SYN went somewhere that never answered).
struct ConnectFailure {
  std::string what;
  bool refused = false;
};

/// Opens a new TCP connection (a new source port: a new conntrack entry, so NAT looks it up afresh) to
/// `address`:`port` and waits for EOF. Gives up after `timeout`.
std::variant<ConnectTimes, ConnectFailure> timed_connect(const std::string& address, unsigned port,
                                                         std::chrono::milliseconds timeout);

}  // namespace nexus::bench
