#include "bench/link_delete.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "shared/util/unique_fd.h"

namespace nexus::bench {

double timed_link_delete(const std::string& ifname) {
  unsigned index = ::if_nametoindex(ifname.c_str());
  if (index == 0) throw std::runtime_error("no link " + ifname);
  UniqueFd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!sock) throw std::runtime_error(std::string("netlink socket: ") + std::strerror(errno));
  struct {
    nlmsghdr header;
    ifinfomsg info;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_DELLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.header.nlmsg_seq = 1;
  request.info.ifi_family = AF_UNSPEC;
  request.info.ifi_index = static_cast<int>(index);
  char reply[4096];
  auto start = std::chrono::steady_clock::now();
  if (::send(sock.get(), &request, sizeof request, 0) < 0)
    throw std::runtime_error(std::string("netlink send: ") + std::strerror(errno));
  ssize_t n = ::recv(sock.get(), reply, sizeof reply, 0);
  auto end = std::chrono::steady_clock::now();
  if (n < static_cast<ssize_t>(sizeof(nlmsghdr) + sizeof(nlmsgerr)))
    throw std::runtime_error("netlink: short reply");
  const auto* header = reinterpret_cast<const nlmsghdr*>(reply);
  const auto* ack = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
  if (header->nlmsg_type != NLMSG_ERROR || ack->error != 0)
    throw std::runtime_error("RTM_DELLINK " + ifname + ": " + std::strerror(-ack->error));
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace nexus::bench
