#include "shared/net/address_settle.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "shared/cni/error.h"
#include "shared/net/addr.h"
#include "shared/net/nl_error.h"

namespace nexus::net {
namespace {

enum class DadState { Settled, Tentative, Failed };

DadState dad_state(const NlSocket& sock, int ifindex, std::string& failed) {
  DadState state = DadState::Settled;
  for (const Address& a : list_addresses(sock, ifindex, AF_INET6)) {
    if ((a.flags & IFA_F_DADFAILED) != 0) {
      failed = a.prefix.to_string();
      return DadState::Failed;
    }
    if ((a.flags & IFA_F_TENTATIVE) != 0) state = DadState::Tentative;
  }
  return state;
}

// The events only say "something changed": the state is read again by a dump, so their content is dropped.
void drain(int fd) {
  char buf[8192];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

NlSocket subscribe_address_events(const Netns& netns) {
  NlSocket events = NlSocket::open_in(netns);
  nl_socket_disable_seq_check(events.get());
  if (const int err = nl_socket_add_membership(events.get(), RTNLGRP_IPV6_IFADDR); err < 0) {
    throw nl_error("subscribe to", "address events in netns", netns.path(), err);
  }
  return events;
}

}  // namespace

void wait_addresses_settled(const NlSocket& sock, const Netns& netns, int ifindex, std::chrono::milliseconds timeout) {
  // Subscribe before the first look, so a change between the look and the wait still wakes us.
  const NlSocket events = subscribe_address_events(netns);
  const int fd = nl_socket_get_fd(events.get());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string failed;
  for (;;) {
    const DadState state = dad_state(sock, ifindex, failed);
    if (state == DadState::Settled) return;
    if (state == DadState::Failed) {
      throw cni::Error(cni::Code::Internal, "duplicate address detection failed for " + failed);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
      throw cni::Error(cni::Code::TryAgainLater, "timed out waiting for IPv6 duplicate address detection on link #" +
                                                     std::to_string(ifindex));
    }
    drain(fd);
  }
}

}  // namespace nexus::net
