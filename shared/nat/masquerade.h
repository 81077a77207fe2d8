#pragma once
// Source NAT for containers (ipMasq) with nftables, in a table Nexus owns:
//
//   table inet nexus
//     chain postrouting  (nat hook, srcnat)   ip saddr vmap @masq_v4 / ip6 saddr vmap @masq_v6
//     map masq_v4, masq_v6                    container address -> jump n_<network hash>_<subnets hash>
//     chain n_<network hash>_<subnets hash>   daddr in the network's subnets or multicast: return; masquerade
//
// A container costs one map element, whatever the number of networks or containers: after a network's first
// ADD, ADD and DEL are one atomic transaction touching only that element, so any number of plugin processes may
// run at once, and no rule is ever rewritten (rule deletion costs an RCU grace period, tens of ms).
#include <string>
#include <vector>

#include "shared/nat/nft.h"
#include "shared/net/ip_prefix.h"

namespace nexus::nat {

/// Masquerades traffic from `addresses` (the container's) to anything outside `subnets` (the network's).
/// Idempotent and safe to run concurrently. An address already masqueraded for another network is an error.
/// `owner` (e.g. "<containerID>/<ifname>", letters, digits and _ . - / : only) is kept as the elements' comment
/// so a DEL without the addresses, or a GC, can find them.
void add_masquerade(Nft& nft, const std::string& network, const std::vector<net::IpPrefix>& addresses,
                    const std::vector<net::IpPrefix>& subnets, const std::string& owner = {});
void add_masquerade(const std::string& network, const std::vector<net::IpPrefix>& addresses,
                    const std::vector<net::IpPrefix>& subnets, const std::string& owner = {});

/// A masqueraded address and the owner it was added for ("" when none).
struct Masqueraded {
  net::IpPrefix address;
  std::string owner;
};
/// Every element of `network`, with owners.
std::vector<Masqueraded> list_masquerade_entries(Nft& nft, const std::string& network);
/// Removes the elements `owner` added (DEL without prevResult); nothing when none.
void remove_masquerade_owned(Nft& nft, const std::string& network, const std::string& owner);
/// GC by owner: removes elements whose owner is not in `keep` (elements without owner stay). Returns them.
std::vector<net::IpPrefix> gc_masquerade_owners(Nft& nft, const std::string& network,
                                                const std::vector<std::string>& keep);

/// Stops masquerading `addresses` for `network`. Succeeds when they (or the whole table) are already gone,
/// and never creates anything on a host where the network has no chain.
void remove_masquerade(Nft& nft, const std::string& network, const std::vector<net::IpPrefix>& addresses);
void remove_masquerade(const std::string& network, const std::vector<net::IpPrefix>& addresses);

/// Addresses currently masqueraded for `network` (prefix length = full address length).
std::vector<net::IpPrefix> list_masqueraded(Nft& nft, const std::string& network);

/// Removes every address masqueraded for `network` that is not in `keep` (CNI GC). Returns those removed.
std::vector<net::IpPrefix> gc_masquerade(Nft& nft, const std::string& network, const std::vector<net::IpPrefix>& keep);

/// For CHECK: the addresses among `addresses` that are not masqueraded for `network` (empty = all fine).
std::vector<net::IpPrefix> missing_masquerade(Nft& nft, const std::string& network,
                                              const std::vector<net::IpPrefix>& addresses);

/// The prefix of `network`'s chains: "n_" + 16 hex digits of a stable hash, valid whatever characters the name
/// has.
std::string network_chain(const std::string& network);
/// The chain of `network` with these subnets: network_chain(network) + "_" + 8 hex digits of the sorted subnets.
std::string network_chain(const std::string& network, const std::vector<net::IpPrefix>& subnets);

}  // namespace nexus::nat
