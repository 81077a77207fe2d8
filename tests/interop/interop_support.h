#pragma once
// Shared by the runtime interop tests (tests/integration/runtime_interop_*_test.cpp): test copies of the default
// conflists, leftover checks, and a TCP round trip into a container netns for port-forward checks.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <sys/time.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "shared/util/unique_fd.h"
#include "tests/testutil/command.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::testutil::interop {

/// One of the shipped conflists (conf/<file>), parsed.
inline nlohmann::json shipped_conflist(const std::string& file) {
  const std::string text = read_file(std::string(NEXUS_SOURCE_DIR) + "/conf/" + file);
  if (text.empty()) throw std::runtime_error("cannot read conf/" + file);
  return nlohmann::json::parse(text);
}

/// A copy of a shipped conflist for one test: its own network name, bridge, /24 subnet (gateway .1) and
/// nexus-ipam data dir, so it touches nothing outside the test. `subnet_prefix` is like "10.77.0".
inline nlohmann::json test_conflist(const std::string& file, const std::string& name, const std::string& bridge,
                                    const std::string& subnet_prefix, const std::string& data_dir) {
  nlohmann::json list = shipped_conflist(file);
  list["name"] = name;
  auto& bridge_plugin = list["plugins"][0];
  bridge_plugin["bridge"] = bridge;
  bridge_plugin["ipam"]["ranges"] =
      nlohmann::json::array({nlohmann::json::array({{{"subnet", subnet_prefix + ".0/24"},
                                                     {"gateway", subnet_prefix + ".1"}}})});
  bridge_plugin["ipam"]["dataDir"] = data_dir;
  return list;
}

/// tests/interop/<tool> (a Go program) built offline into <build dir>/interop/<tool> by build-go-tool, which is a
/// no-op when it is up to date. Throws with the build's output when it fails.
inline std::string build_go_tool(const std::string& tool) {
  const std::string build = std::string(NEXUS_SOURCE_DIR) + "/tests/interop/build-go-tool";
  const CommandResult r = run_command({build, tool, NEXUS_BUILD_DIR}, {.timeout_ms = 120000});
  if (r.exit_code != 0) throw std::runtime_error("building " + tool + " failed: " + r.out + r.err);
  return std::string(NEXUS_BUILD_DIR) + "/interop/" + tool;
}

/// tests/interop/cnitool (libcni), built once per test run.
inline const std::string& cnitool_path() {
  static const std::string path = build_go_tool("cnitool");
  return path;
}

/// Lines of a command's stdout (empty lines dropped).
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

/// veth interfaces in the netns the caller is in (`ip -o link show type veth`, one line each).
inline std::vector<std::string> veths_here() { return link_names("type veth"); }

/// Lease files (named after an address) nexus-ipam keeps for `network` under `data_dir`.
inline std::vector<std::string> lease_files(const std::string& data_dir, const std::string& network) {
  std::vector<std::string> leases;
  for (const auto& name : list_dir(data_dir + "/" + network))
    if (!name.empty() && (std::isxdigit(static_cast<unsigned char>(name[0])) != 0) &&
        name.find_first_of(".:") != std::string::npos && name.find("last_reserved") == std::string::npos)
      leases.push_back(name);
  return leases;
}

/// "10.77.0.2/24" -> "10.77.0.2"
inline std::string strip_prefix(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

/// A TCP socket listening on 0.0.0.0:`port` inside the netns `netns_fd`. A short-lived thread enters the netns
/// to create it (a socket belongs to the netns it was created in), so the calling thread never leaves its own.
inline UniqueFd listen_tcp_in_netns(int netns_fd, std::uint16_t port) {
  int fd = -1;
  int error = 0;
  std::thread([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) { error = errno; return; }
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    const int one = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0)
      error = errno;
  }).join();
  UniqueFd owned(fd);
  if (error != 0) throw std::runtime_error(std::string("listen in container netns: ") + std::strerror(error));
  return owned;
}

/// Connects to ip:port from the caller's netns, and has the connection accepted on `listener` (which may be in
/// another netns): returns the peer address the listener saw ("" when nothing arrived within `timeout_ms`).
/// Sends a line each way so the path is proven in both directions.
inline std::string tcp_round_trip(const std::string& ip, std::uint16_t port, int listener, int timeout_ms = 5000) {
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  if (!client || ::inet_pton(AF_INET, ip.c_str(), &to.sin_addr) != 1) return "";
  const timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return "";
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return "";
  sockaddr_in peer{};
  socklen_t peer_len = sizeof peer;
  UniqueFd server(::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC));
  if (!server) return "";
  ::setsockopt(server.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[8] = {};
  if (::send(client.get(), "ping", 4, MSG_NOSIGNAL) != 4 || ::recv(server.get(), buf, 4, MSG_WAITALL) != 4 ||
      std::string(buf) != "ping" || ::send(server.get(), "pong", 4, MSG_NOSIGNAL) != 4 ||
      ::recv(client.get(), buf, 4, MSG_WAITALL) != 4 || std::string(buf) != "pong")
    return "";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
}

}  // namespace nexus::testutil::interop
