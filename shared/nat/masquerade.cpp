#include "shared/nat/masquerade.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <net/if.h>
#include <nlohmann/json.hpp>

#include "shared/base/error.h"
#include "shared/nat/masquerade_elements.h"
#include "shared/nat/nft_batch.h"
#include "shared/nat/owned_elements.h"
#include "shared/net/sysctl.h"
#include "shared/util/fnv1a.h"

namespace nexus::nat {
namespace {

const std::string kTable = std::string("inet ") + kMasqueradeTable;

// False when the table went meanwhile (create_once): the caller starts again.
bool create_table(Nft& nft) {
  const std::string& t = kTable;
  nft.run("add table " + t + "\n" +                                                           //
          "add map " + t + " bridge_masq_v4 { type ifname . ipv4_addr : verdict; }\n" +       //
          "add map " + t + " bridge_masq_v6 { type ifname . ipv6_addr : verdict; }\n" +       //
          "add set " + t + " bridge_owner_v4 { type ifname . ipv4_addr . mark . mark; }\n" +  //
          "add set " + t + " bridge_owner_v6 { type ifname . ipv6_addr . mark . mark; }\n");
  return create_once(nft,
                     "create chain " + t +
                         " from_bridges { type nat hook postrouting priority srcnat; policy accept; }\n" +
                         "add rule " + t + " from_bridges iifname . ip saddr vmap @bridge_masq_v4\n" + "add rule " +
                         t + " from_bridges iifname . ip6 saddr vmap @bridge_masq_v6\n",
                     "create masquerade chain");
}

// Addresses in nft's text: nft reads the one text form (shared/base/ip_address.h) as it is.
std::string nft_text(const IpAddress& a) { return a.to_string(); }
std::string nft_text(const IpPrefix& p) { return p.to_string(); }

std::string join_networks(const std::vector<IpPrefix>& subnets, bool v4, const char* multicast) {
  std::string out;
  for (const IpPrefix& s : subnets) {
    if (s.is_v4() == v4) out += nft_text(s.masked()) + ", ";
  }
  return out + multicast;  // never empty: multicast is never masqueraded, as in the reference plugin
}

// The comment of the rules that exempt nonMasqueradeCIDRs: CHECK finds them by it.
constexpr const char* kExemptionComment = "nonMasqueradeCIDRs";

// One rule per exempted prefix (a few at most): each stays a plain prefix match that CHECK reads back as it was
// written, where one interval set could come back merged.
std::string exemption_rules(const std::string& c, const std::vector<IpPrefix>& never_masqueraded) {
  std::string out;
  for (const IpPrefix& p : exempted(never_masqueraded))
    out += "add rule " + c + (p.is_v4() ? " ip" : " ip6") + " daddr " + nft_text(p) + " return comment \"" +
           kExemptionComment + "\"\n";
  return out;
}

bool create_network_chain(Nft& nft, const std::string& chain, const std::vector<IpPrefix>& subnets,
                          const std::vector<IpPrefix>& never_masqueraded) {
  const std::string c = kTable + " " + chain;
  return create_once(nft, "create chain " + c + "\n" + "add rule " + c + " ip daddr { " +
                              join_networks(subnets, true, "224.0.0.0/4") + " } return\n" + "add rule " + c +
                              " ip6 daddr { " + join_networks(subnets, false, "ff00::/8") + " } return\n" +
                              exemption_rules(c, never_masqueraded) + "add rule " + c + " masquerade\n",
                     "create masquerade chain");
}

std::string hex(uint64_t value, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(value));
  return std::string(buf).substr(0, static_cast<size_t>(digits));
}

// The subnets are part of the chain's name, so a network re-created with other subnets gets a new chain
// instead of rewriting rules that older containers still use.
std::string subnets_key(std::vector<IpPrefix> subnets) {
  std::vector<std::string> texts;
  for (const IpPrefix& s : subnets) texts.push_back(s.masked().to_string());
  std::sort(texts.begin(), texts.end());
  std::string key;
  for (const std::string& t : texts) key += t + ",";
  return key;
}

// Owners and bridge names go inside quoted nft strings, which have no escapes: keep to characters that need
// none.
void require_nft_safe(const std::string& text, const char* what) {
  if (!is_nft_safe(text))
    throw Error(Code::InvalidConfig, std::string("masquerade: ") + what + " \"" + text +
                                                   "\" cannot be written in nftables (use letters, digits, _ . -)");
}

// The owner set's last two fields: 64 bits of a hash of (network, owner), so the same "<containerID>/<ifname>"
// in two networks holds two different tokens.
using Token = OwnerToken;
Token token_of(const std::string& network, const std::string& owner) { return OwnerToken::of(network + "\n" + owner); }

const char* map_of(const IpAddress& a) { return masquerade_map(a); }
const char* owner_set_of(const IpAddress& a) { return masquerade_owner_set(a); }

std::string key_of(const std::string& bridge, const IpAddress& a) {
  return "\"" + bridge + "\" . " + nft_text(a);
}

std::string create_element_line(const std::string& bridge, const IpAddress& a, const std::string& chain,
                                const std::string& owner) {
  return "create element " + kTable + " " + map_of(a) + " { " + key_of(bridge, a) + " comment \"" + owner +
         "\" : jump " + chain + " }\n";
}
std::string create_twin_line(const std::string& bridge, const IpAddress& a, Token t) {
  return "create element " + kTable + " " + owner_set_of(a) + " { " + key_of(bridge, a) + " . " + t.text() + " }\n";
}
std::string create_lines(const std::string& bridge, const IpAddress& a, const std::string& chain,
                         const std::string& owner, Token t) {
  return create_element_line(bridge, a, chain, owner) + create_twin_line(bridge, a, t);
}
std::string delete_token_line(const std::string& bridge, const IpAddress& a, Token t) {
  return "delete element " + kTable + " " + owner_set_of(a) + " { " + key_of(bridge, a) + " . " +
         t.text() + " }\n";
}
std::string delete_element_line(const std::string& bridge, const IpAddress& a) {
  return "delete element " + kTable + " " + map_of(a) + " { " + key_of(bridge, a) + " }\n";
}
// Fails (ENOENT, nothing changed) unless the element still belongs to the holder of `t`.
std::string owned_delete_lines(const std::string& bridge, const IpAddress& a, Token t) {
  return delete_token_line(bridge, a, t) + delete_element_line(bridge, a);
}

// The table as `nft -j list table` shows it: map elements (with owner and chain) and owner-set tokens.
struct Element {
  std::string bridge;
  IpAddress address;
  std::string owner;
  std::string chain;
};
struct TokenEntry {
  std::string bridge;
  IpAddress address;
  Token token;
};
struct TableState {
  std::vector<Element> elements;
  std::vector<TokenEntry> tokens;
  bool has_hook_chain = false;                               // from_bridges, which looks the maps up
  std::map<std::string, std::vector<IpPrefix>> exemptions;  // chain -> its nonMasqueradeCIDRs rules' prefixes

  static bool same(const std::string& bridge, const IpAddress& a, const std::string& b2, const IpAddress& a2) {
    return bridge == b2 && a == a2;
  }
  const Element* element(const std::string& bridge, const IpAddress& a) const {
    for (const Element& e : elements)
      if (same(bridge, a, e.bridge, e.address)) return &e;
    return nullptr;
  }
  std::vector<Token> tokens_of(const std::string& bridge, const IpAddress& a) const {
    std::vector<Token> out;
    for (const TokenEntry& t : tokens)
      if (same(bridge, a, t.bridge, t.address)) out.push_back(t.token);
    return out;
  }
};

// The destination prefix of an exemption rule (`ip daddr 10.244.0.0/16 return`, which nft lists with a
// {"prefix": {"addr", "len"}} or, for a full-length prefix, the bare address); nullopt for any other rule.
std::optional<IpPrefix> exempted_destination(const nlohmann::json& rule) {
  if (rule.value("comment", "") != kExemptionComment) return std::nullopt;
  for (const nlohmann::json& expr : rule.value("expr", nlohmann::json::array())) {
    if (!expr.contains("match")) continue;
    const nlohmann::json& right = expr["match"].value("right", nlohmann::json());
    if (right.is_string()) {
      const auto a = IpAddress::parse(right.get<std::string>());
      if (a) return IpPrefix(*a, a->bits());
    } else if (right.is_object() && right.contains("prefix")) {
      const auto a = IpAddress::parse(right["prefix"].value("addr", ""));
      if (a) return IpPrefix(*a, right["prefix"].value("len", a->bits()));
    }
  }
  return std::nullopt;
}

void collect(const nlohmann::json& objects, TableState& state) {
  for (const nlohmann::json& item : objects) {
    if (item.contains("chain") && item["chain"].value("name", "") == "from_bridges") state.has_hook_chain = true;
    if (item.contains("rule")) {
      const nlohmann::json& rule = item["rule"];
      if (const auto p = exempted_destination(rule)) state.exemptions[rule.value("chain", "")].push_back(*p);
      continue;
    }
    const bool is_map = item.contains("map");
    if (!is_map && !item.contains("set")) continue;
    const nlohmann::json& obj = is_map ? item["map"] : item["set"];
    const std::string name = obj.value("name", "");
    if (is_map && name != "bridge_masq_v4" && name != "bridge_masq_v6") continue;
    if (!is_map && name != "bridge_owner_v4" && name != "bridge_owner_v6") continue;
    for (const nlohmann::json& elem : obj.value("elem", nlohmann::json::array())) {
      std::string comment;
      const nlohmann::json* c = element_concat(is_map ? elem.at(0) : elem, &comment);
      if (c == nullptr || c->size() < 2) continue;
      const std::string bridge = (*c)[0].get<std::string>();
      const IpAddress address = parse_address((*c)[1].get<std::string>(), "address");
      if (is_map) {
        const nlohmann::json& verdict = elem.at(1);
        if (!verdict.contains("jump")) continue;
        state.elements.push_back({bridge, address, comment, verdict["jump"].value("target", "")});
      } else if (c->size() == 4) {
        state.tokens.push_back({bridge, address, {(*c)[2].get<uint32_t>(), (*c)[3].get<uint32_t>()}});
      }
    }
  }
}

TableState read_table(Nft& nft) {
  TableState state;
  collect(list_table(nft, kTable, "the masquerade maps"), state);
  return state;
}

std::vector<Element> elements_of(const TableState& state, const std::string& network) {
  const std::string prefix = network_chain_prefix(network) + "_";
  std::vector<Element> out;
  for (const Element& e : state.elements)
    if (e.chain.rfind(prefix, 0) == 0) out.push_back(e);
  return out;
}

// Removes each of `elements` of `network` if it still belongs to the owner it names: all in one transaction
// when none changed meanwhile, else one by one, skipping those that changed owner or went.
void remove_owned(Nft& nft, const std::string& network, const std::vector<Element>& elements) {
  std::string all;
  for (const Element& e : elements) all += owned_delete_lines(e.bridge, e.address, token_of(network, e.owner));
  if (all.empty() || nft.try_run(all)) return;
  for (const Element& e : elements) {
    std::string error;
    if (!nft.try_run(owned_delete_lines(e.bridge, e.address, token_of(network, e.owner)), &error) &&
        !is_missing_error(error))
      fail_transaction("remove masquerade of " + e.owner, error);
  }
}

// What an ADD's two paths share, checked and worked out once: the network's chain and the owner's token.
struct Plan {
  std::vector<IpPrefix> subnets;  // traffic to these (and to target.never_masqueraded) stays unmasqueraded
  std::string chain;
  Token token;
};

Plan plan(const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  Plan p;
  bool any_v4 = false, any_v6 = false;
  for (const IpPrefix& a : addresses) {
    p.subnets.push_back(a.masked());
    (a.is_v4() ? any_v4 : any_v6) = true;
  }
  require_nft_safe(target.owner, "owner");
  require_nft_safe(target.bridge, "bridge");
  net::enable_forwarding(any_v4, any_v6);
  p.chain = network_chain(target.network, p.subnets, target.never_masqueraded);
  p.token = token_of(target.network, target.owner);
  return p;
}

// The fast path, every ADD after the network's first: the elements and their twins in one netlink batch, no
// libnftables, no ruleset fetch. False (nothing changed) when it cannot: the table, a map, a set or the
// network's chain is missing (ENOENT), an element of one of the keys is there (EEXIST: ours already, or a stale
// one to replace), or anything else; the slow path then does what is needed.
bool add_fast(const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses, const Plan& p) {
  if (target.bridge.size() >= IFNAMSIZ) return false;  // let nft say what is wrong with it
  NftBatch batch(NftBatch::Family::Inet, kMasqueradeTable);
  for (const IpPrefix& a : addresses) {
    batch.create(masquerade_element(target.bridge, a.address(), p.chain, target.owner));
    batch.create(masquerade_twin(target.bridge, a.address(), p.token));
  }
  return batch.try_commit();  // a failed socket too: the slow path's libnftables reports it if it is no fluke
}

// The slow path: creates the table, maps, sets and the network's chain when missing, and replaces an element
// another owner left.
void add_slowly(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses, const Plan& p) {
  const std::string& bridge = target.bridge;
  const std::string& owner = target.owner;
  const std::string& chain = p.chain;
  const Token token = p.token;
  std::string creates;
  for (const IpPrefix& a : addresses) creates += create_lines(bridge, a.address(), chain, owner, token);
  // One transaction creating the elements, nothing else (what add_fast() tried, for callers without it).
  std::string error;
  for (int attempt = 1; attempt <= kCreateAttempts; ++attempt) {
    if (nft.try_run(creates, &error)) return;
    if (!is_exists_error(error)) {
      // The table or the network's chain is not there: not yet, or no more (a DEL that found the host idle
      // deleted the table, shared/nat/idle_tables.h, maybe between two of our steps). Create what is missing and
      // try again; false: the table went once more.
      if (create_table(nft)) (void)create_network_chain(nft, chain, p.subnets, target.never_masqueraded);
      continue;
    }
    // An element for one of the keys is there: ours already (a repeated add), or left by an owner the address
    // no longer belongs to. Replace the latter in one transaction; try again if it changed meanwhile.
    const TableState state = read_table(nft);
    std::string replace;
    for (const IpPrefix& a : addresses) {
      const Element* e = state.element(bridge, a.address());
      const std::vector<Token> tokens = state.tokens_of(bridge, a.address());
      const bool ours = e != nullptr && e->owner == owner && e->chain == chain && tokens.size() == 1 &&
                        tokens.front() == token;
      if (ours) continue;
      for (const Token t : tokens) replace += delete_token_line(bridge, a.address(), t);
      if (e != nullptr) replace += delete_element_line(bridge, a.address());
      replace += create_lines(bridge, a.address(), chain, owner, token);
    }
    if (replace.empty() || nft.try_run(replace, &error)) return;
  }
  fail_transaction("masquerade for " + owner, error);
}

// DEL's fast path with prevResult's addresses: each element's twin and the element in one netlink batch; false
// (nothing changed) when one is gone or another owner's (ENOENT), or anything else went wrong.
bool remove_fast(const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  if (target.bridge.size() >= IFNAMSIZ) return false;
  const Token token = token_of(target.network, target.owner);
  NftBatch batch(NftBatch::Family::Inet, kMasqueradeTable);
  for (const IpPrefix& a : addresses) {
    batch.remove(masquerade_twin(target.bridge, a.address(), token));
    batch.remove(masquerade_element(target.bridge, a.address(), {}, {}));
  }
  return batch.try_commit();
}

// The owner's elements in its network, found by listing the table: DEL's slow path.
void remove_looked_up(Nft& nft, const MasqueradeTarget& target) {
  std::vector<Element> owned;
  for (const Element& e : elements_of(read_table(nft), target.network))
    if (e.owner == target.owner) owned.push_back(e);
  remove_owned(nft, target.network, owned);
}

// firewall-reload: the lines that re-create what of the target's elements and twins is missing, without touching
// anything another owner holds (an element of the key with another owner, or only others' twins: `foreign`).
std::string restore_lines(const TableState& state, const MasqueradeTarget& target,
                          const std::vector<IpPrefix>& addresses, const Plan& p, MasqueradeRestore& out) {
  std::string lines;
  for (const IpPrefix& a : addresses) {
    const Element* e = state.element(target.bridge, a.address());
    const std::vector<Token> tokens = state.tokens_of(target.bridge, a.address());
    const bool has_twin = std::find(tokens.begin(), tokens.end(), p.token) != tokens.end();
    if (e != nullptr && e->owner != target.owner) {
      out.foreign.push_back({a, e->owner});
    } else if (e == nullptr && !tokens.empty() && !has_twin) {
      out.foreign.push_back({a, "(an owner token without its element)"});
    } else if (e == nullptr || !has_twin) {
      if (e == nullptr) lines += create_element_line(target.bridge, a.address(), p.chain, target.owner);
      if (!has_twin) lines += create_twin_line(target.bridge, a.address(), p.token);
      out.restored.push_back(a);
    }
  }
  return lines;
}

// The target's element of address `a` among its network's elements, nullptr when it has none.
const Element* owned_element(const std::vector<Element>& present, const MasqueradeTarget& target, const IpPrefix& a) {
  for (const Element& e : present)
    if (e.owner == target.owner && TableState::same(target.bridge, a.address(), e.bridge, e.address)) return &e;
  return nullptr;
}

std::string prefix_list(const std::vector<IpPrefix>& prefixes) {
  std::string out;
  for (const IpPrefix& p : prefixes) out += (out.empty() ? "" : ", ") + p.to_string();
  return out;
}

}  // namespace

std::string owner_of(const std::string& container_id, const std::string& ifname) {
  bool plain = true;
  for (const char c : ifname)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (plain) return container_id + "/" + ifname;
  std::string hex = "0x";
  char buf[3];
  for (const unsigned char c : ifname) std::snprintf(buf, sizeof buf, "%02x", c), hex += buf;
  return container_id + "/" + hex;
}

std::string network_chain_prefix(const std::string& network) { return "n_" + hex(fnv1a(network), 16); }

std::string network_chain(const std::string& network, const std::vector<IpPrefix>& subnets,
                          const std::vector<IpPrefix>& never_masqueraded) {
  // Without exemptions the key is what it always was, so networks keep the chains older versions made.
  std::string key = subnets_key(subnets);
  if (!never_masqueraded.empty()) key += "|never:" + subnets_key(exempted(never_masqueraded));
  return network_chain_prefix(network) + "_" + hex(fnv1a(key), 8);
}

std::vector<IpPrefix> exempted(const std::vector<IpPrefix>& prefixes) {
  std::vector<IpPrefix> by_length;
  for (const IpPrefix& p : prefixes) by_length.push_back(p.masked());
  std::sort(by_length.begin(), by_length.end(), [](const IpPrefix& a, const IpPrefix& b) {
    return a.length() != b.length() ? a.length() < b.length() : a.address() < b.address();
  });
  std::vector<IpPrefix> out;
  for (const IpPrefix& p : by_length)  // shorter first: a prefix overlapping a kept one lies inside it
    if (std::none_of(out.begin(), out.end(), [&](const IpPrefix& k) { return k.overlaps(p); })) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const IpPrefix& a, const IpPrefix& b) {
    return a.address() != b.address() ? a.address() < b.address() : a.length() < b.length();
  });
  return out;
}

void masquerade(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  if (addresses.empty()) return;
  add_slowly(nft, target, addresses, plan(target, addresses));
}

void masquerade(std::optional<Nft>& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  if (addresses.empty()) return;
  const Plan p = plan(target, addresses);
  if (add_fast(target, addresses, p)) return;
  if (!nft) nft.emplace();
  add_slowly(*nft, target, addresses, p);
}

void unmasquerade(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  const std::string& network = target.network;
  const std::string& bridge = target.bridge;
  const std::string& owner = target.owner;
  if (owner.empty()) return;
  // Common case, DEL with prevResult: the elements are there, still the owner's, and go in one transaction.
  if (!addresses.empty() && is_nft_safe(bridge) && is_nft_safe(owner)) {
    std::string lines;
    for (const IpPrefix& a : addresses) lines += owned_delete_lines(bridge, a.address(), token_of(network, owner));
    if (nft.try_run(lines)) return;
  }
  // Some are gone or another owner's (a repeated DEL, a stale prevResult), or the addresses are unknown.
  remove_looked_up(nft, target);
}

void unmasquerade(std::optional<Nft>& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  if (target.owner.empty()) return;
  if (!addresses.empty() && is_nft_safe(target.bridge) && is_nft_safe(target.owner) && remove_fast(target, addresses))
    return;
  if (!nft) nft.emplace();
  remove_looked_up(*nft, target);
}

void collect_garbage(Nft& nft, const std::string& network, const std::vector<std::string>& keep_owners) {
  std::vector<Element> stale;
  for (const Element& e : elements_of(read_table(nft), network))
    if (!e.owner.empty() && std::find(keep_owners.begin(), keep_owners.end(), e.owner) == keep_owners.end())
      stale.push_back(e);
  remove_owned(nft, network, stale);
}

std::vector<IpPrefix> find_unmasqueraded(Nft& nft, const MasqueradeTarget& target,
                                         const std::vector<IpPrefix>& addresses) {
  const std::vector<Element> present = elements_of(read_table(nft), target.network);
  std::vector<IpPrefix> missing;
  for (const IpPrefix& a : addresses)
    if (owned_element(present, target, a) == nullptr) missing.push_back(a);
  return missing;
}

MasqueradeRestore restore_masquerade(Nft& nft, const MasqueradeTarget& target,
                                     const std::vector<IpPrefix>& addresses) {
  if (addresses.empty()) return {};
  const Plan p = plan(target, addresses);
  // A concurrent ADD or DEL may change a key between the read and the transaction (EEXIST, ENOENT): read again.
  for (int attempt = 1;; ++attempt) {
    const TableState state = read_table(nft);
    MasqueradeRestore out;
    const std::string lines = restore_lines(state, target, addresses, p, out);
    out.hook_restored = !state.has_hook_chain;
    if (lines.empty() && state.has_hook_chain) return out;
    // `add` and create_once: leave what is there as it is. False: the table went meanwhile (a DEL that found the
    // host idle), so read again.
    std::string error = "table " + kTable + " went while it was being re-created";
    const bool made = create_table(nft) &&
                      (lines.empty() || create_network_chain(nft, p.chain, p.subnets, target.never_masqueraded));
    if (made && (lines.empty() || nft.try_run(lines, &error))) return out;
    if (attempt == 3) fail_transaction("restore masquerade of " + target.owner, error);
  }
}

std::string find_masquerade_gap(Nft& nft, const MasqueradeTarget& target, const std::vector<IpPrefix>& addresses) {
  const nlohmann::json objects = list_table(nft, kTable, "the masquerade maps");
  if (objects.empty()) return "table " + kTable + " is missing";
  TableState state;
  collect(objects, state);
  if (!state.has_hook_chain) return "chain from_bridges of table " + kTable + " is missing";
  const std::string prefix = network_chain_prefix(target.network) + "_";
  const std::vector<IpPrefix> wanted = exempted(target.never_masqueraded);
  for (const IpPrefix& a : addresses) {
    const std::string element = "element \"" + target.bridge + "\" . " + nft_text(a.address()) + " of map " +
                                map_of(a.address()) + " (table " + kTable + ")";
    const Element* e = state.element(target.bridge, a.address());
    if (e == nullptr) return element + " is missing";
    if (e->owner != target.owner) return element + " belongs to " + (e->owner.empty() ? "nobody" : e->owner);
    if (e->chain.rfind(prefix, 0) != 0) return element + " jumps to another network's chain " + e->chain;
    // The chain must exempt exactly nonMasqueradeCIDRs: not one made for another list, nor one that lost a rule.
    const auto found = state.exemptions.find(e->chain);
    const std::vector<IpPrefix> has =
        exempted(found == state.exemptions.end() ? std::vector<IpPrefix>{} : found->second);
    if (has != wanted)
      return "address " + a.address().to_string() + " is masqueraded by chain " + e->chain + ", which exempts [" +
             prefix_list(has) + "], not nonMasqueradeCIDRs [" + prefix_list(wanted) + "]";
  }
  return "";
}

}  // namespace nexus::nat
