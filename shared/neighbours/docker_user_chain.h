#pragma once
// Docker on the same host (design.md, "Ownership on a shared host"): Docker's daemon sets the FORWARD policy of
// iptables' filter table to DROP, which drops everything a Nexus bridge routes (to the outside through
// masquerade, and its answers). That policy is Docker's, not ours to change; Docker's documented place for other
// traffic is its user chain DOCKER-USER, which FORWARD jumps to first. So while a bridge of ours forwards, that
// chain (ip filter, and ip6 filter when Docker made one) holds two rules of ours at its head:
//
//   -A DOCKER-USER -i <bridge> -m comment --comment "nexus: from bridge <bridge>" -j ACCEPT
//   -A DOCKER-USER -o <bridge> -m conntrack --ctstate RELATED,ESTABLISHED
//                  -m comment --comment "nexus: established to bridge <bridge>" -j ACCEPT
//
// (with br_netfilter, traffic bridged between two ports of the bridge crosses FORWARD too, as -i <bridge>
// -o <bridge>: the first rule passes it). They are written as iptables-nft writes such rules, expression for
// expression, so that `iptables -S` and `iptables-save` (1.8.9) print them as above: meta iifname/oifname, cmp,
// the conntrack match through nft_compat (iptables-nft 1.8.9 cannot read nft's own `ct state`, and libnftables
// cannot write the xtables match: hence netlink, shared/nat/nft_batch.h), counter, accept, and the comment as
// the rule's userdata. Docker's own rules, chains and policy are never touched; ours are found by their comment
// and deleted by their handle (a handle is never reused), so nothing else is ever removed.
#include <string>

namespace nexus::neighbours {

/// The chain's name, in table filter of families ip and ip6.
inline constexpr const char* kDockerUserChain = "DOCKER-USER";

/// The comments of our two rules for interface `interface`; a rule is ours when its comment is one of these.
std::string from_bridge_comment(const std::string& interface);
std::string established_to_bridge_comment(const std::string& interface);

/// ADD: where a DOCKER-USER chain exists, inserts at its head what of our two rules for `interface` (the bridge,
/// or its VLAN gateway interface) it lacks. One netlink round trip when nothing lacks or there is no such chain
/// (two when ip6 filter has one too). Returns whether it inserted anything. Throws Error 999 when the kernel
/// refuses the rules. Two ADDs that find them missing at once may both insert them: harmless, and all go together.
bool pass_docker_user_chains(const std::string& interface);

/// DEL, once the attachment's veth is gone: when `bridge` has no port left but `leaving_port` (the ifindex of a
/// veth still being removed; 0 for none), or is gone, removes our rules for `interface` from every DOCKER-USER
/// chain. A port that appears meanwhile (a concurrent ADD) gets them back. One netlink round trip when there
/// are none.
void release_docker_user_chains(const std::string& interface, const std::string& bridge, int leaving_port = 0);

/// What of our rules for `interface` is missing from a DOCKER-USER chain that exists ("" when nothing is): for
/// CHECK and firewall-reload's report.
std::string find_docker_user_gap(const std::string& interface);

}  // namespace nexus::neighbours
