#pragma once
// Nexus's nftables tables go with the host's last attachment (issue 12): `table inet nexus` (ipMasq,
// shared/nat/masquerade.h, and port publishing, shared/nat/port_publish.h) and `table bridge nexus` (macspoofchk,
// shared/nat/mac_spoof_check.h). Every attachment holds elements in their owner-keyed sets and maps; a table none
// of whose sets holds an element serves nobody, and its hooks only cost every packet a look-up. The next ADD that
// needs it creates it again (the slow paths create what is missing, and start again when a table went meanwhile).
//
// Safe against concurrent ADDs and DELs: the ruleset's generation is read before the sets are looked at, and the
// deletion is one batch that the kernel refuses (ERESTART, nothing changed) when any nf_tables transaction, an
// ADD's element among them, committed since. A table is deleted only under the names Nexus gives its tables.
namespace nexus::nat {

/// Deletes each of Nexus's tables whose named sets and maps are all empty (the hairpin sets aside: a bridge's
/// subnets, which publishing adds and never removes, and which serve only published ports), in one batch bound to
/// the generation read first. Returns whether it deleted any; false when none is idle, or the batch was refused
/// (something changed meanwhile: a later DEL tries again). Netlink only, no libnftables: a few round trips,
/// ending at the first element found. Throws Error when a netlink socket fails.
bool remove_idle_tables();

}  // namespace nexus::nat
