#include "shared/net/link_watch.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>

#include "shared/cni/error.h"

namespace nexus::net {

LinkGoneWatch::LinkGoneWatch(int index)
    : index_(index), sock_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE)) {
  if (!sock_) throw cni::sys_error("open a netlink socket for link events", errno);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (::bind(sock_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw cni::sys_error("subscribe to link events", errno);
}

bool LinkGoneWatch::gone() {
  // The events only say "look again": under a burst they may overflow (ENOBUFS), so the answer comes from a
  // lookup of the index, never from parsing them.
  char buf[8192];
  while (::recv(sock_.get(), buf, sizeof buf, 0) > 0 || errno == ENOBUFS) {
  }
  char name[IF_NAMESIZE];
  return ::if_indextoname(static_cast<unsigned>(index_), name) == nullptr && errno == ENXIO;
}

}  // namespace nexus::net
