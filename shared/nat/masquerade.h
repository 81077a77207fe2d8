#pragma once
// Source NAT for containers (ipMasq) with nftables, in a table Nexus owns:
//
//   table inet nexus
//     chain from_bridges  (nat hook, srcnat)  iifname . ip saddr vmap @bridge_masq_v4 (and ip6 / _v6)
//     map bridge_masq_v4, _v6                 bridge . container address -> jump n_<network hash>_<subnets hash>
//                                             (comment: the owner, "<containerID>/<ifname>")
//     set bridge_owner_v4, _v6                bridge . container address . owner token (2 x 32 bits)
//     chain n_<network hash>_<subnets hash>   daddr in the network's subnets or multicast: return;
//                                             daddr in nonMasqueradeCIDRs: return (comment "nonMasqueradeCIDRs");
//                                             masquerade
//
// The key holds the bridge (the input interface of forwarded container traffic), so networks with overlapping
// subnets on different bridges masquerade side by side. Each map element has a twin in the owner set whose key
// ends with a hash of (network, owner): a removal deletes the twin and the element in one transaction, so the
// kernel refuses it (ENOENT, nothing changed) unless the element still belongs to that owner. An address alone
// never removes anything.
//
// A container costs one element and its twin, whatever the number of networks or containers: after a network's
// first ADD, ADD and DEL are one atomic transaction touching only those, so any number of plugin processes may
// run at once, and no rule is ever rewritten (rule deletion costs an RCU grace period, tens of ms).
// ADD and DEL go first by the netlink fast path (one nf_tables batch, shared/nat/nft_batch.h, no libnftables
// and no ruleset fetch); only a network's first ADD, a stale or repeated element and a DEL without all its
// elements fall back to libnftables, which the overloads taking a std::optional<Nft> then load.
// (Tables of older Nexus versions used maps masq_v4/masq_v6 keyed by address alone; the new names leave them be.)
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/nat/nft.h"

namespace nexus::nat {

/// One attachment's masquerade target: whose elements, in which network, for traffic from which bridge.
/// Every removal, CHECK and GC goes by `owner`, never by address alone.
struct MasqueradeTarget {
  std::string network;  // the network's name: names its chains and scopes GC
  std::string bridge;   // the input interface of the container's forwarded traffic
  std::string owner;    // owner_of(containerID, ifname)
  // Destinations never masqueraded beside the network's own subnets (nonMasqueradeCIDRs: a cluster's pod CIDR,
  // so containers on other hosts see the sender's real address). Part of the chain's name: a network whose
  // list changes gets a chain of its own, and the chains of older containers stay as they were.
  std::vector<IpPrefix> never_masqueraded = {};
};

/// The owner of an attachment's elements: "<containerID>/<ifname>", the ifname in hex ("0x...") when it has
/// characters an nft comment cannot hold.
std::string owner_of(const std::string& container_id, const std::string& ifname);

/// Masquerades traffic that `target.bridge` forwards from `addresses` (the container's, with their prefix
/// lengths) to anything outside their subnets; turns on forwarding for their families. The owner may use
/// letters, digits and _ . - / : only. Idempotent and safe to run concurrently. An element another owner left
/// for the same bridge and address is stale (IPAM has just handed the address to this owner) and is replaced,
/// atomically, so the element always names its real owner.
void masquerade(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses);
/// The same, by the fast path when it can (the elements' creation in one netlink batch); else by libnftables,
/// in `nft`, created here if empty and left to the caller to close (closing waits for RCU grace periods).
void masquerade(std::optional<Nft>& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses);

/// Removes the target's elements in its network, and only those. `addresses` (from prevResult) makes it a
/// single transaction when they are all there; otherwise (empty, stale, partly gone) the owner's elements are
/// looked up. Succeeds when there are none, and never creates anything. The elements are gone when it returns;
/// closing `nft` afterwards waits for their RCU-deferred destruction.
void unmasquerade(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses = {});
/// The same, by the fast path when `addresses` are all there and the owner's (each element's twin and the
/// element in one netlink batch); else by libnftables in `nft`, as masquerade() above.
void unmasquerade(std::optional<Nft>& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses);

/// For CHECK: the addresses among `addresses` that the target's bridge does not masquerade for its owner in its
/// network (missing, or owned by someone else). Empty = all fine.
std::vector<IpPrefix> find_unmasqueraded(Nft& nft, const MasqueradeTarget& target,
                                         const std::vector<IpPrefix>& addresses);
/// For CHECK: what of the target's masquerading is missing or wrong, in words naming the nft object (the table,
/// the from_bridges chain, or the first address's element: missing, another owner's, or jumping to a chain that
/// does not exempt exactly the target's never_masqueraded destinations, made for another list or having lost
/// a rule); empty when all is there.
std::string find_masquerade_gap(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses);

/// What restore_masquerade() did with an attachment's addresses.
struct MasqueradeRestore {
  std::vector<IpPrefix> restored;                            // its element or owner twin was missing: re-created
  std::vector<std::pair<IpPrefix, std::string>> foreign;     // another owner (named) holds the key: left alone
  bool hook_restored = false;                                // the table or its from_bridges chain was re-created
};

/// firewall-reload (a firewall's `nft flush ruleset` took the table away): re-creates what masquerade() creates
/// for the target and is missing (the table, its maps, sets and chains, the target's elements and twins, the
/// same bytes as masquerade() writes). Unlike masquerade() it replaces and removes nothing: a key another owner
/// holds is reported in `foreign` and left alone. Nothing missing: changes nothing.
MasqueradeRestore restore_masquerade(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses);

/// CNI GC: removes the elements of `network` whose owner is not in `keep_owners` (elements without owner stay,
/// other networks' are never touched).
void collect_garbage(Nft& nft, const std::string& network, const std::vector<std::string>& keep_owners);

/// The prefix of `network`'s chains: "n_" + 16 hex digits of a stable hash, valid whatever characters the name
/// has.
std::string network_chain_prefix(const std::string& network);
/// The chain of `network` with these subnets: network_chain_prefix(network) + "_" + 8 hex digits of the sorted
/// subnets and, when there are any, of the destinations never masqueraded (normalised as exempted() does).
std::string network_chain(const std::string& network, const std::vector<IpPrefix>& subnets,
                          const std::vector<IpPrefix>& never_masqueraded = {});
/// `prefixes` as the chain exempts them: host bits cleared, sorted, each once, none inside another (an nft
/// interval set refuses overlapping elements, and a prefix inside another adds nothing).
std::vector<IpPrefix> exempted(const std::vector<IpPrefix>& prefixes);

}  // namespace nexus::nat
