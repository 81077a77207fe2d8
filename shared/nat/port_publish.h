#pragma once
// Port publishing (the portMappings capability) with nftables, in the table ipMasq uses (masquerade.h):
//
//   table inet nexus
//     map port_dnat_v4       { type inet_proto . inet_service : ipv4_addr . inet_service; }              any host address
//     map port_dnat_addr_v4  { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }  a given hostIP
//     map port_dnat_v6, port_dnat_addr_v6                      the same with ipv6_addr
//                                                              (comment: the owner, "<containerID>/<ifname>")
//     set port_owner_v4, port_owner_addr_v4, _v6, _addr_v6     a map's key . owner token (2 x 32 bits)
//     set port_hairpin_v4, _v6 { type ifname . ipv4_addr; flags interval; }  bridge . container subnet:
//                                                              DNATed traffic from that subnet that leaves by that
//                                                              bridge (to itself or a neighbour) is masqueraded
//     chain port_dnat                                          fib daddr type local: dnat through the four maps,
//                                                              the hostIP maps first
//     chain port_prerouting  (nat hook prerouting, dstnat)     jump port_dnat
//     chain port_output      (nat hook output, -100)           jump port_dnat (the host itself; not to ::1)
//     chain port_postrouting (nat hook postrouting, srcnat)    ct status dnat oifname . saddr @port_hairpin_v4/6
//                                                              masquerade; ct status dnat from 127.0.0.0/8
//                                                              masquerade (localhost, with route_localnet)
//
// A new connection costs one map lookup per rule, whatever the number of published ports: the rules are made
// once and never rewritten; publishing is adding elements. As with masquerade, each element has a twin in the
// owner set whose key ends with a hash of (network, owner), deleted with it in one transaction, so the kernel
// refuses a removal (nothing changed) unless the element is still that owner's. A port alone never removes
// anything. Publishing a port another owner holds fails (code 101) and changes nothing: the kernel refuses the
// `create element` transaction as a whole.
#include <optional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/nat/nft.h"

namespace nexus::nat {

/// One entry of runtimeConfig.portMappings, validated (shared/base conventions: ports 1..65535).
struct PortMapping {
  unsigned host_port = 0;
  unsigned container_port = 0;
  std::string protocol = "tcp";      // tcp, udp or sctp
  std::optional<IpAddress> host_ip;  // none: every local address; 0.0.0.0 / ::: every one of that family
  bool operator==(const PortMapping&) const = default;
};

/// "8080/tcp", "127.0.0.1:5353/udp", "[::1]:80/tcp": a mapping's host side in messages.
std::string host_side_text(const PortMapping& m);

/// Whose mappings, in which network, for containers behind which bridge.
struct PublishTarget {
  std::string network;  // scopes GC: the owner tokens hash (network, owner)
  std::string bridge;   // the interface the containers' traffic comes in by (the gateway interface)
  std::string owner;    // owner_of(containerID, ifname) (masquerade.h)
};

/// Publishes `mappings` to the container's `addresses` (with prefix lengths, for hairpin) (IPv4 mappings to its first IPv4 address, IPv6 to its
/// first IPv6 one; a hostIP maps only to its own family; a family the container lacks is skipped; hostIP ::1 is
/// skipped too: IPv6 has no route_localnet, so the reference portmap does not publish to [::1] either). Creates the
/// table's objects on first use, turns on forwarding, and route_localnet on the bridge so that 127.0.0.1 works.
/// Idempotent for the same owner (its stale elements are replaced). A port another owner holds: Error 101
/// naming the port and that owner, nothing changed.
void publish_ports(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings,
                   const std::vector<IpPrefix>& addresses);

/// The check publish_ports makes, before the container has addresses (ADD asks it before IPAM acts, so a refused
/// ADD leaves IPAM's store as it was): Error 101, with publish_ports's message, when a host port the mappings
/// would publish for family v4 / v6 is held by another owner; nothing is changed. One `get element` per key while
/// none is there; the table is read only when one is.
void require_ports_free(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings, bool v4,
                        bool v6);

/// Removes every element of the target's owner in its network, and only those. Succeeds when there are none.
/// `mappings` and `addresses` (the request's list and prevResult's addresses) make it one transaction when all
/// their elements are there and still the owner's; otherwise the owner's elements are looked up.
void unpublish_ports(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings = {},
                     const std::vector<IpPrefix>& addresses = {});

/// For CHECK: the first of `mappings` not published to `addresses` as the target's, in words ("8080/tcp to
/// 10.0.0.2:80 is not published"); empty when all are.
std::string find_unpublished(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings,
                             const std::vector<IpPrefix>& addresses);

/// CNI GC: removes the elements of `network` whose owner is not in `keep_owners`.
void collect_port_garbage(Nft& nft, const std::string& network, const std::vector<std::string>& keep_owners);

}  // namespace nexus::nat
