#include "shared/net/link_watch.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

#include "shared/base/error.h"

namespace nexus::net {
namespace {

// A socket filter that lets through only the RTM_DELLINK of link `index` itself (family AF_UNSPEC; a bridge
// also sends an AF_BRIDGE RTM_DELLINK when a port leaves it). Without it every watcher would wake for every
// link event of the netns: N concurrent DELs would cost N^2 wake-ups. Filter loads read network byte order.
void attach_dellink_filter(int sock, int index) {
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(nlmsghdr, nlmsg_type)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELLINK), 0, 5),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN + offsetof(ifinfomsg, ifi_family)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNSPEC, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NLMSG_HDRLEN + offsetof(ifinfomsg, ifi_index)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(static_cast<uint32_t>(index)), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  sock_fprog program{.len = sizeof code / sizeof code[0], .filter = code};
  if (::setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0)
    throw sys_error("filter link events", errno);
}

}  // namespace

LinkGoneWatch::LinkGoneWatch(int index)
    : index_(index), sock_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE)) {
  if (!sock_) throw sys_error("open a netlink socket for link events", errno);
  attach_dellink_filter(sock_.get(), index);  // before subscribing: no unfiltered event can slip in
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (::bind(sock_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw sys_error("subscribe to link events", errno);
}

bool LinkGoneWatch::gone() {
  char buf[8192];
  bool overflow = false;
  for (;;) {
    if (::recv(sock_.get(), buf, sizeof buf, 0) > 0) {
      gone_ = true;  // the filter passes nothing but this link's RTM_DELLINK
    } else if (errno == ENOBUFS) {
      overflow = true;  // events were lost, ours perhaps among them: look the link up instead
    } else {
      break;
    }
  }
  if (overflow && !gone_) {
    char name[IF_NAMESIZE];
    gone_ = ::if_indextoname(static_cast<unsigned>(index_), name) == nullptr && errno == ENXIO;
  }
  return gone_;
}

}  // namespace nexus::net
