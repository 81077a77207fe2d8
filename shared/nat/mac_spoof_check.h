#pragma once
// The reference bridge plugin's macspoofchk with nftables, in a table Nexus owns: frames that enter a bridge
// through a checked container port with a source MAC other than the container interface's are dropped.
//
//   table bridge nexus
//     set macspoofchk_ports { type ifname; }                  host veth (comment: the owner, "<containerID>/<ifname>")
//     set macspoofchk_macs  { type ifname . ether_addr; }     host veth . the container interface's MAC
//     set macspoofchk_owner { type ifname . mark . mark; }    host veth . owner token (2 x 32 bits)
//     chain macspoofchk (filter hook prerouting, priority -300, policy accept)
//       iifname @macspoofchk_ports iifname . ether saddr != @macspoofchk_macs counter drop
//
// One rule serves every port, so an ADD or DEL is one transaction of element changes and never rewrites a rule
// (shared/nat/owned_elements.h). A removal deletes the owner token with the elements, so the kernel refuses it
// (ENOENT, nothing changed) unless the port is still that owner's: a port name alone never removes anything.
// The reference keeps per-port chains in `table bridge nat`; the two tables hook side by side and never touch
// each other's objects.
#include <optional>
#include <string>

#include "shared/nat/nft.h"

namespace nexus::nat {

/// One container port under the check.
struct SpoofCheckedPort {
  std::string port;   // the host veth: the bridge port the container's frames enter by
  std::string mac;    // the container interface's MAC, "aa:bb:cc:dd:ee:ff"
  std::string owner;  // owner_of(containerID, ifname) (shared/nat/masquerade.h)
};

/// Drops frames from `p.port` whose source MAC is not `p.mac`. Creates the table, sets and chain on first use.
/// Idempotent (a repeated ADD) and safe to run concurrently. Elements for the same port that another owner (or
/// the same owner with another MAC) left behind are stale, as the caller has just created the port, and are
/// replaced atomically.
void add_mac_spoof_check(Nft& nft, const SpoofCheckedPort& p);
/// The same, by one nf_tables netlink batch when it can (the table is there and the port has no elements);
/// else by libnftables, in `nft`, created here if empty and left to the caller to close.
void add_mac_spoof_check(std::optional<Nft>& nft, const SpoofCheckedPort& p);

/// Removes the check of `port` if it belongs to `owner`; succeeds when it is gone or another owner's. `mac` (from
/// prevResult) makes it a single transaction when it is right; without it, the port's elements are looked up.
void remove_mac_spoof_check(Nft& nft, const std::string& port, const std::string& owner,
                            const std::optional<std::string>& mac = std::nullopt);
/// The same, by one netlink batch when `mac` is right and the elements are the owner's; else as above, by
/// libnftables in `nft` (created here if empty).
void remove_mac_spoof_check(std::optional<Nft>& nft, const std::string& port, const std::string& owner,
                            const std::optional<std::string>& mac);

/// For CHECK: what of `p`'s check is missing (the rule, the port, its MAC or its owner token), in words naming
/// the nft object; empty when all is there.
std::string find_mac_spoof_check_gap(Nft& nft, const SpoofCheckedPort& p);

}  // namespace nexus::nat
