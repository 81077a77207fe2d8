#pragma once
// What nexus-ipam's commands do with a LeaseStore: each call takes the network's lock once and is
// all-or-nothing under it, so concurrent plugin processes (ours or host-local) never share an address.
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/ipam/lease_store.h"
#include "shared/ipam/range.h"

namespace nexus::ipam {

/// ADD: one address per range set, in set order; `sets` must have passed validate_range_sets.
/// - Idempotent: a set in which `who` already holds an address yields that address.
/// - `requested` (CNI_ARGS IP / args "ips"): each goes to the set containing it; Error(InvalidConfig)
///   when it is in no set, two requests hit one set, it is not allocatable (gateway, network,
///   IPv4 broadcast), leased to another attachment, or `who` holds a different address in that set.
/// - Otherwise round robin from after last_reserved_ip.<set> (host-local's order), skipping gateways,
///   network and broadcast addresses and every existing lease file.
/// - Exhaustion: Error(TryAgainLater) "no free addresses in range set N (start-end,...)".
/// Nothing is kept when any set fails. Throws Error(InvalidEnv) for an unsafe container ID/ifname.
std::vector<IpAddress> allocate(LeaseStore& store, const std::vector<RangeSet>& sets, const Attachment& who,
                                const std::vector<IpAddress>& requested = {});

/// DEL: frees every lease of `who` (and, as host-local does, the old-format "<id>" leases of its container
/// when it holds none of the new format). Holding nothing is success. For a data or network dir that may
/// be missing, use LeaseStore::find() first and skip the call when it returns nullopt.
void release(LeaseStore& store, const Attachment& who);

/// CHECK: the addresses leased to `who` (new-format leases, then old-format ones of its container ID).
std::vector<IpAddress> held_by(LeaseStore& store, const Attachment& who);

/// GC: frees every lease whose holder is not in `valid` (an old-format lease survives when its container
/// ID appears in `valid`). Scans the directory once and rebuilds the index.
void gc(LeaseStore& store, const std::vector<Attachment>& valid);

/// STATUS: for each range set, whether an address is still free. Takes no lock (a snapshot).
std::vector<bool> sets_with_free_address(const LeaseStore& store, const std::vector<RangeSet>& sets);
/// STATUS: true while every range set still has a free address (else the plugin reports code 50).
bool has_free_address(const LeaseStore& store, const std::vector<RangeSet>& sets);

}  // namespace nexus::ipam
