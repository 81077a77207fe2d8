#pragma once
#include <string>

namespace nexus::bench {

/// Deletes the link `ifname` of the current netns with one RTM_DELLINK on a NETLINK_ROUTE socket and waits for
/// the kernel's ack. Returns the seconds from send to ack (the socket is opened before timing starts).
/// Throws std::runtime_error when the link does not exist or the kernel refuses.
double timed_link_delete(const std::string& ifname);

}  // namespace nexus::bench
