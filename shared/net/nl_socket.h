#pragma once
// A connected NETLINK_ROUTE socket. A netlink socket belongs to the netns it was created in for its whole life,
// so one socket per namespace lets us configure a container without staying switched into it.
#include <string>

#include "shared/net/netns.h"
#include "shared/net/nl_ptr.h"

namespace nexus::net {

/// Owns a connected libnl route socket.
class NlSocket {
 public:
  /// A socket bound to the calling thread's current netns.
  static NlSocket open();
  /// A socket bound to `netns`: switches in only for the socket() call.
  static NlSocket open_in(const Netns& netns);

  nl_sock* get() const noexcept { return sock_.get(); }

 private:
  explicit NlSocket(NlSockPtr sock) : sock_(std::move(sock)) {}
  NlSockPtr sock_;
};

/// What a plugin needs to configure one container: sockets on both sides of the veth.
struct Sockets {
  Netns container_netns;
  NlSocket host;       ///< the caller's netns
  NlSocket container;  ///< bound inside container_netns

  /// Opens the container netns (code 8 if invalid) and a socket on each side.
  static Sockets open(const std::string& container_netns_path);
};

}  // namespace nexus::net
