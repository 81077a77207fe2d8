#include "shared/nat/idle_tables.h"

#include <netinet/in.h>  // first: linux/netfilter.h defines struct in_addr itself unless libc's is there
// (blank line: keeps the formatter from sorting it after the others)

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "shared/base/error.h"
#include "shared/nat/masquerade_elements.h"
#include "shared/nat/nft_batch.h"

namespace nexus::nat {
namespace {

struct NexusTable {
  NftBatch::Family family;
  const char* name;
  // Its sets and maps that hold attachments' elements, the likeliest to have one first (an early end).
  std::vector<const char*> owned_sets;
};

const std::array<NexusTable, 2>& nexus_tables() {
  static const std::array<NexusTable, 2> tables{{
      {NftBatch::Family::Inet,
       kMasqueradeTable,
       {"bridge_masq_v4", "bridge_masq_v6", "bridge_owner_v4", "bridge_owner_v6", "port_dnat_v4", "port_dnat_v6",
        "port_dnat_addr_v4", "port_dnat_addr_v6", "port_owner_v4", "port_owner_v6", "port_owner_addr_v4",
        "port_owner_addr_v6"}},
      {NftBatch::Family::Bridge, "nexus", {"macspoofchk_ports", "macspoofchk_macs", "macspoofchk_owner"}},
  }};
  return tables;
}

// Not counted: publishing adds a bridge's subnets here in the same transaction as its ports' elements and never
// removes them; they serve only published ports, which are all in port_dnat_*.
bool is_hairpin_set(const std::string& name) { return name == "port_hairpin_v4" || name == "port_hairpin_v6"; }

uint8_t nf_family(NftBatch::Family f) { return f == NftBatch::Family::Inet ? NFPROTO_INET : NFPROTO_BRIDGE; }

void put_string(const net::NlMsgPtr& msg, int type, const std::string& value) {
  if (nla_put_string(msg.get(), type, value.c_str()) != 0)
    throw Error(Code::Internal, "nf_tables: name " + value + " does not fit a message");
}

// Whether set `set` of the table holds an element: a dump of its elements, read up to the first. A set that is not
// there holds none.
bool has_elements(const NexusTable& t, const std::string& set) {
  net::NlMsgPtr request = new_nft_message(NFT_MSG_GETSETELEM, NLM_F_DUMP, nf_family(t.family));
  put_string(request, NFTA_SET_ELEM_LIST_TABLE, t.name);
  put_string(request, NFTA_SET_ELEM_LIST_SET, set);
  bool any = false;
  const int error = nft_request(std::move(request), [&](const nlmsghdr& h) {
    nlattr* attrs[NFTA_SET_ELEM_LIST_MAX + 1] = {};
    if (nlmsg_parse(const_cast<nlmsghdr*>(&h), sizeof(nfgenmsg), attrs, NFTA_SET_ELEM_LIST_MAX, nullptr) == 0 &&
        attrs[NFTA_SET_ELEM_LIST_ELEMENTS] != nullptr && nla_len(attrs[NFTA_SET_ELEM_LIST_ELEMENTS]) > 0)
      any = true;
    return !any;
  });
  if (error == ENOENT) return false;
  if (error != 0) throw sys_error("nf_tables: list the elements of set " + set + " of table " + t.name, error);
  return any;
}

// The named sets and maps of the table (anonymous ones, a rule's `{ ... }`, belong to their rule).
std::vector<std::string> named_sets(const NexusTable& t) {
  net::NlMsgPtr request = new_nft_message(NFT_MSG_GETSET, NLM_F_DUMP, nf_family(t.family));
  put_string(request, NFTA_SET_TABLE, t.name);
  std::vector<std::string> names;
  const int error = nft_request(std::move(request), [&](const nlmsghdr& h) {
    nlattr* attrs[NFTA_SET_MAX + 1] = {};
    if (nlmsg_parse(const_cast<nlmsghdr*>(&h), sizeof(nfgenmsg), attrs, NFTA_SET_MAX, nullptr) != 0 ||
        attrs[NFTA_SET_NAME] == nullptr || attrs[NFTA_SET_TABLE] == nullptr ||
        nla_strcmp(attrs[NFTA_SET_TABLE], t.name) != 0)
      return true;
    const uint32_t flags = attrs[NFTA_SET_FLAGS] != nullptr ? ntohl(nla_get_u32(attrs[NFTA_SET_FLAGS])) : 0;
    if ((flags & NFT_SET_ANONYMOUS) == 0) names.emplace_back(nla_get_string(attrs[NFTA_SET_NAME]));
    return true;
  });
  if (error == ENOENT) return {};
  if (error != 0) throw sys_error(std::string("nf_tables: list the sets of table ") + t.name, error);
  return names;
}

// Whether the table is there and none of its named sets (the hairpin sets aside) holds an element: Nexus's own
// sets first, then any other (an older version's map, or one somebody put there: then the table stays).
bool is_idle(const NexusTable& t) {
  for (const char* set : t.owned_sets)
    if (has_elements(t, set)) return false;
  if (!table_exists(t.family, t.name)) return false;
  for (const std::string& set : named_sets(t)) {
    const bool checked = std::find(t.owned_sets.begin(), t.owned_sets.end(), set) != t.owned_sets.end();
    if (!checked && !is_hairpin_set(set) && has_elements(t, set)) return false;
  }
  return true;
}

}  // namespace

bool remove_idle_tables() {
  // First: whatever commits after this (an ADD's element, a new table) makes the kernel refuse the deletion.
  const uint32_t generation = ruleset_generation();
  NftBatch batch;
  bool any = false;
  for (const NexusTable& t : nexus_tables()) {
    if (!is_idle(t)) continue;
    net::NlMsgPtr del = new_nft_message(NFT_MSG_DELTABLE, 0, nf_family(t.family));
    put_string(del, NFTA_TABLE_NAME, t.name);
    batch.add(std::move(del));
    any = true;
  }
  if (!any) return false;
  batch.require_generation(generation);
  return batch.commit() == 0;
}

}  // namespace nexus::nat
