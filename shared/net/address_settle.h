#pragma once
// Waiting for IPv6 duplicate address detection to finish, on netlink events rather than by polling.
#include <chrono>

#include "shared/net/netns.h"
#include "shared/net/nl_socket.h"

namespace nexus::net {

/// Returns once no IPv6 address of link `ifindex` is tentative. `sock` must be bound to `netns` (the link's).
/// Wakes on RTM_NEWADDR/RTM_DELADDR events only. Throws code 999 if DAD found a duplicate (IFA_F_DADFAILED)
/// and code 11 if `timeout` passes first.
void wait_addresses_settled(const NlSocket& sock, const Netns& netns, int ifindex, std::chrono::milliseconds timeout);

}  // namespace nexus::net
