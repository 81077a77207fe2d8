#include "shared/net/nl_socket.h"

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include "shared/base/error.h"
#include "shared/net/nl_error.h"

namespace nexus::net {

NlSocket NlSocket::open() {
  NlSockPtr sock(nl_socket_alloc());
  if (!sock) throw Error(Code::Internal, "allocate netlink socket: out of memory");
  if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    throw nl_error("connect", "netlink socket", "NETLINK_ROUTE", err);
  }
  // Strict checking makes the kernel filter dumps by the ifindex/table we ask for (kernel >= 4.20) instead of
  // sending every address or route of the namespace; without it we filter on our side anyway.
  const int on = 1;
  ::setsockopt(nl_socket_get_fd(sock.get()), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof on);
  return NlSocket(std::move(sock));
}

NlSocket NlSocket::open_in(const Netns& netns) {
  const NetnsGuard guard(netns);
  return open();
}

Sockets Sockets::open(const std::string& container_netns_path) {
  Netns netns = Netns::open(container_netns_path);
  NlSocket host = NlSocket::open();
  NlSocket container = NlSocket::open_in(netns);
  return Sockets{std::move(netns), std::move(host), std::move(container)};
}

}  // namespace nexus::net
