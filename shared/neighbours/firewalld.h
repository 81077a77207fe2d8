#pragma once
// firewalld (nftables backend, 1.x) on the same host. Its table `inet firewalld` hooks forward and rejects
// what it does not accept: a new connection forwarded from an interface goes to that interface's zone (the
// default zone, `public` unless changed, for an interface in no zone) and, unless the zone's target is ACCEPT
// (`trusted`), to its policies and its intra-zone forwarding (accepted only towards interfaces bound to the same
// zone), then to `reject with icmpx admin-prohibited`. So on a stock host firewalld rejects every connection a
// container opens through the bridge, whatever Nexus's own table says: each base chain on the hook must accept.
//
// Its drop policy is not ours to change (../shared/design.md "Ownership on a shared host"): firewalld's documented
// way to let a bridge's traffic through is to bind the bridge to a zone that forwards it, which takes firewalld's
// D-Bus API, which Nexus does not speak. So ADD reads firewalld's rules and refuses, before changing anything,
// when they would reject the bridge's forwarded traffic, naming the firewall-cmd commands that fix it. The read
// costs one nf_tables netlink request when firewalld's table is not there; only when it is, libnftables lists it.
// firewalld's own table is never written. (Its reload rebuilds only its own table: Nexus's stays.)
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "shared/net/nl_socket.h"

namespace nexus::neighbours {

/// firewalld's nftables table, in family inet.
inline constexpr const char* kFirewalldTable = "firewalld";

/// What firewalld's forward hook does with a new connection from a bridge.
struct ForwardVerdict {
  bool accepted = true;
  std::string zone;   // the zone it went to (from its chain's name, filter_FWD_<zone>); "" when no zone chain saw it
  std::string chain;  // the chain whose rule (or policy) decided
};

/// Reads `listing` (the JSON of `nft -j list table inet firewalld`) as the kernel would run its forward-hook base
/// chains for a new connection entering by `bridge` and leaving by each of `egress` (the default routes'
/// interfaces; empty when unknown). A rule counts only when each of its matches is decided for that packet (input
/// and output interface, conntrack state and status); a rule that also matches on what ADD cannot know
/// (destination, protocol, port, marks, and the output interface when `egress` is empty) is taken as not
/// matching: so an accept counts only when it holds for all of the bridge's traffic, and a reject of some
/// destinations (firewalld's of IPv6 transition addresses) does not count as rejecting the bridge. Rejected when
/// any base chain rejects or drops it for any of `egress`.
ForwardVerdict firewalld_forward_verdict(const nlohmann::json& listing, const std::string& bridge,
                                         const std::vector<std::string>& egress);

/// The commands that put `bridge` in firewalld's `trusted` zone now and across firewalld's reloads and restarts
/// (a reload drops the runtime-only binding): "firewall-cmd --zone=trusted --change-interface=<bridge> &&
/// firewall-cmd --permanent --zone=trusted --change-interface=<bridge>".
std::string firewalld_fix(const std::string& bridge);

/// ADD's check, in the host netns (`host` is its route socket): when firewalld's table is there and its rules
/// reject traffic forwarded from `bridge`, throws Error 102 (FirewalldRejectsForwarding) whose message names
/// firewalld, the zone and firewalld_fix(bridge). Changes nothing. Without firewalld's table: one netlink request.
void require_firewalld_forwards(const net::NlSocket& host, const std::string& bridge);

}  // namespace nexus::neighbours
