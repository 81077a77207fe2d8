#pragma once
// One nf_tables transaction sent straight to the kernel: libnl builds the messages, a NETLINK_NETFILTER
// socket of our own carries them. For the few element changes that must not pay for libnftables (loading it,
// building a context, fetching the ruleset into its cache): the fast paths of shared/nat/masquerade.h. The
// kernel commits all messages of a batch or none.
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/net/nl_ptr.h"

namespace nexus::nat {

/// A set element's key as the kernel holds it, byte for byte what nft writes for the same text: the fields of
/// a concatenation one after the other, each padded to 4 bytes.
class ElementKey {
 public:
  /// nft's `ifname`: 16 bytes, the name NUL padded. Throws Error 7 for a name of more than 15 characters.
  ElementKey& ifname(const std::string& name);
  /// `ipv4_addr` / `ipv6_addr`: 4 / 16 bytes, network order.
  ElementKey& address(const IpAddress& a);
  /// `mark`: 32 bits, host order.
  ElementKey& mark(uint32_t value);
  /// `ether_addr`: the 6 bytes of "aa:bb:cc:dd:ee:ff". Throws Error 7 for another text.
  ElementKey& ether(const std::string& mac);
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

/// One element of a set or map in the batch's table.
struct SetElement {
  std::string set;
  ElementKey key;
  std::string jump;     // a verdict map's value: jump to this chain; empty in a set
  std::string comment;  // as nft's `comment "..."` (userdata NFTNL_UDATA_SET_ELEM_COMMENT); empty for none
};

/// A message of nf_tables (`type` one of NFT_MSG_*) for tables of `family` (NFPROTO_*), with NLM_F_REQUEST and
/// `flags`, for the caller to fill with attributes: for NftBatch::add(), or a request of its own (then sequence
/// number `sequence`; add() sets its own).
net::NlMsgPtr new_nft_message(uint16_t type, uint16_t flags, uint8_t family, uint32_t sequence = 0);

class NftBatch {
 public:
  enum class Family : uint8_t { Inet, Bridge };
  /// A batch for the elements of table `family` `table` (e.g. inet nexus).
  NftBatch(Family family, std::string table) : family_(family), table_(std::move(table)) {}
  /// A batch of messages made with new_nft_message() only (add()).
  NftBatch() : family_(Family::Inet) {}

  /// Creates the element (NEWSETELEM with NLM_F_CREATE | NLM_F_EXCL: the batch fails with EEXIST when one of
  /// that key is there, as nft's `create element`).
  void create(const SetElement& element);
  /// Deletes the element of the key (DELSETELEM: the batch fails with ENOENT when there is none).
  void remove(const SetElement& element);
  /// Appends a message made with new_nft_message() (a rule's NEWRULE or DELRULE), asking for its ACK.
  void add(net::NlMsgPtr message);
  /// Makes the batch conditional on the ruleset's generation (ruleset_generation()): the kernel refuses it as a
  /// whole, with ERESTART and nothing changed, when any nf_tables transaction committed since that was read.
  void require_generation(uint32_t generation) { generation_ = generation; }

  /// Commits the batch in the calling thread's netns, on a socket opened and closed here. Returns 0 when the
  /// kernel committed it, else the errno it refused the first failing message with (nothing changed: ENOENT
  /// for a missing table, set, chain or element, EEXIST for an element already there). Throws Error when the
  /// socket itself fails (open, send, receive, no answer).
  int commit() const;
  /// commit() for a fast path that has a slower one to fall back on: false (nothing changed) when the kernel
  /// refused the batch or the socket failed.
  bool try_commit() const;

 private:
  void append(uint16_t type, uint16_t flags, const SetElement& element);

  Family family_;
  std::string table_;
  std::vector<char> messages_;  // without BATCH_BEGIN/END, in order, sequence numbers 1..count_
  uint32_t count_ = 0;
  std::optional<uint32_t> generation_;  // network order, as the kernel gave it
};

/// The ruleset's generation in the calling thread's netns (NFT_MSG_GETGEN), as the kernel gives it: every committed
/// nf_tables transaction changes it. For NftBatch::require_generation(). Throws Error when the socket fails.
uint32_t ruleset_generation();

/// Sends `request` (a message made with new_nft_message(); NLM_F_DUMP for a dump) on a socket opened and closed
/// here and hands each answer but the final ACK/DONE to `on_answer`, until the last one or until `on_answer`
/// returns false (the rest is dropped with the socket). Returns 0, or the errno the kernel refused the request
/// with (ENOENT for a missing table or set). Throws Error when the socket itself fails.
int nft_request(net::NlMsgPtr request, const std::function<bool(const nlmsghdr&)>& on_answer);

/// Whether the calling thread's netns has nf_tables table `family` `table`: one GETTABLE request on a socket
/// opened and closed here, no libnftables (so that asking about a neighbour's table costs next to nothing when it
/// is not there; false on a kernel without nf_tables). Throws Error when the socket fails otherwise.
bool table_exists(NftBatch::Family family, const std::string& table);

}  // namespace nexus::nat
