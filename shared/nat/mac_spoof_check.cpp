#include "shared/nat/mac_spoof_check.h"

#include <net/if.h>

#include <algorithm>
#include <vector>

#include "shared/base/error.h"
#include "shared/nat/nft_batch.h"
#include "shared/nat/owned_elements.h"

namespace nexus::nat {
namespace {

constexpr const char* kTable = "bridge nexus";
constexpr const char* kTableName = "nexus";  // kTable's name, for the netlink fast path
constexpr const char* kChain = "macspoofchk";
constexpr const char* kPorts = "macspoofchk_ports";
constexpr const char* kMacs = "macspoofchk_macs";
constexpr const char* kOwners = "macspoofchk_owner";

// Priority -300, as the reference's chain: before anything else of the bridge family sees the frame. False when
// the table went meanwhile (create_once): the caller starts again.
bool create_table(Nft& nft) {
  const std::string t = kTable;
  nft.run("add table " + t + "\n" +                                                //
          "add set " + t + " " + kPorts + " { type ifname; }\n" +                  //
          "add set " + t + " " + kMacs + " { type ifname . ether_addr; }\n" +      //
          "add set " + t + " " + kOwners + " { type ifname . mark . mark; }\n");
  return create_once(nft,
                     "create chain " + t + " " + kChain +
                         " { type filter hook prerouting priority -300; policy accept; }\n" + "add rule " + t + " " +
                         kChain + " iifname @" + kPorts + " iifname . ether saddr != @" + kMacs + " counter drop\n",
                     "create macspoofchk chain");
}

// One owner per port: the token is the owner's alone (a port belongs to one attachment, whatever the network).
OwnerToken token_of(const std::string& owner) { return OwnerToken::of(owner); }

std::string element(const char* verb, const char* set, const std::string& key) {
  return std::string(verb) + " element " + kTable + " " + set + " { " + key + " }\n";
}
std::string quoted(const std::string& port) { return "\"" + port + "\""; }
std::string mac_key(const std::string& port, const std::string& mac) { return quoted(port) + " . " + mac; }
std::string token_key(const std::string& port, OwnerToken t) { return quoted(port) + " . " + t.text(); }

std::string create_lines(const SpoofCheckedPort& p) {
  return element("create", kPorts, quoted(p.port) + " comment \"" + p.owner + "\"") +
         element("create", kMacs, mac_key(p.port, p.mac)) +
         element("create", kOwners, token_key(p.port, token_of(p.owner)));
}

// The table's elements for one port, and whether the drop rule is there.
struct PortState {
  std::optional<std::string> owner;  // the port element's comment; nullopt: no port element
  std::vector<std::string> macs;
  std::vector<OwnerToken> tokens;
  bool has_rule = false;
};

void collect_set(const nlohmann::json& set, const std::string& port, PortState& s) {
  const std::string name = set.value("name", "");
  for (const nlohmann::json& elem : set.value("elem", nlohmann::json::array())) {
    if (name == kPorts) {  // "nex-..." or {"elem": {"val": "nex-...", "comment": ...}}
      const bool wrapped = elem.is_object() && elem.contains("elem");
      const nlohmann::json& val = wrapped ? elem["elem"]["val"] : elem;
      if (val.is_string() && val.get<std::string>() == port)
        s.owner = wrapped ? elem["elem"].value("comment", "") : "";
      continue;
    }
    const nlohmann::json* c = element_concat(elem);
    if (c == nullptr || c->empty() || !(*c)[0].is_string() || (*c)[0].get<std::string>() != port) continue;
    if (name == kMacs && c->size() == 2) s.macs.push_back((*c)[1].get<std::string>());
    if (name == kOwners && c->size() == 3) s.tokens.push_back({(*c)[1].get<uint32_t>(), (*c)[2].get<uint32_t>()});
  }
}

bool is_drop_rule(const nlohmann::json& rule) {
  if (rule.value("chain", "") != kChain) return false;
  const nlohmann::json expr = rule.value("expr", nlohmann::json::array());
  return std::any_of(expr.begin(), expr.end(), [](const nlohmann::json& e) { return e.contains("drop"); });
}

PortState read_port(Nft& nft, const std::string& port) {
  PortState s;
  for (const nlohmann::json& item : list_table(nft, kTable, "the macspoofchk sets")) {
    if (item.contains("set")) collect_set(item["set"], port, s);
    if (item.contains("rule") && is_drop_rule(item["rule"])) s.has_rule = true;
  }
  return s;
}

// Lines deleting every element of `port` that `s` lists (whoever owns them).
std::string delete_lines(const std::string& port, const PortState& s) {
  std::string out;
  for (const OwnerToken t : s.tokens) out += element("delete", kOwners, token_key(port, t));
  if (s.owner) out += element("delete", kPorts, quoted(port));
  for (const std::string& mac : s.macs) out += element("delete", kMacs, mac_key(port, mac));
  return out;
}

bool is_complete(const PortState& s, const SpoofCheckedPort& p) {
  return s.owner == p.owner && s.macs == std::vector<std::string>{p.mac} &&
         s.tokens == std::vector<OwnerToken>{token_of(p.owner)};
}

// The three elements of `p` as nf_tables set elements, byte for byte what create_lines() has nft write.
SetElement port_element(const std::string& port, const std::string& owner) {
  SetElement e{.set = kPorts, .key = {}, .jump = {}, .comment = owner};
  e.key.ifname(port);
  return e;
}
SetElement mac_element(const std::string& port, const std::string& mac) {
  SetElement e{.set = kMacs, .key = {}, .jump = {}, .comment = {}};
  e.key.ifname(port).ether(mac);
  return e;
}
SetElement token_element(const std::string& port, OwnerToken t) {
  SetElement e{.set = kOwners, .key = {}, .jump = {}, .comment = {}};
  e.key.ifname(port).mark(t.hi).mark(t.lo);
  return e;
}

// ADD's fast path, every ADD after the host's first: the three elements in one netlink batch, no libnftables.
// False when the table is missing (ENOENT) or elements of the port are there (EEXIST), or anything else.
bool add_fast(const SpoofCheckedPort& p) {
  if (p.port.size() >= IFNAMSIZ) return false;  // let nft say what is wrong with it
  NftBatch batch(NftBatch::Family::Bridge, kTableName);
  try {
    batch.create(port_element(p.port, p.owner));
    batch.create(mac_element(p.port, p.mac));
  } catch (const Error&) {
    return false;  // a MAC nft may read otherwise: its own error will say
  }
  batch.create(token_element(p.port, token_of(p.owner)));
  return batch.try_commit();
}

// DEL's fast path with the MAC: the token, the port and its MAC in one batch; false (nothing changed) when one
// is gone or the port is another owner's.
bool remove_fast(const std::string& port, const std::string& owner, const std::string& mac) {
  if (port.size() >= IFNAMSIZ) return false;
  NftBatch batch(NftBatch::Family::Bridge, kTableName);
  try {
    batch.remove(token_element(port, token_of(owner)));
    batch.remove(port_element(port, {}));
    batch.remove(mac_element(port, mac));
  } catch (const Error&) {
    return false;
  }
  return batch.try_commit();
}

void require_nft_safe(const SpoofCheckedPort& p) {
  for (const std::string* text : {&p.port, &p.owner})
    if (!is_nft_safe(*text))
      throw Error(Code::InvalidConfig,
                  "macspoofchk: \"" + *text + "\" cannot be written in nftables (use letters, digits, _ . -)");
}

}  // namespace

void add_mac_spoof_check(Nft& nft, const SpoofCheckedPort& p) {
  require_nft_safe(p);
  const std::string what = "macspoofchk for " + p.owner + " on " + p.port;
  // Fast path, every ADD after the host's first: one transaction creating the three elements.
  std::string error;
  for (int attempt = 1; attempt <= kCreateAttempts; ++attempt) {
    if (nft.try_run(create_lines(p), &error)) return;
    if (!is_exists_error(error)) {
      // The table or the chain is not there: not yet, or no more (a DEL that found the host idle deleted the
      // table, shared/nat/idle_tables.h). Create them and try again.
      (void)create_table(nft);
      continue;
    }
    // Elements of this port are there: ours already (a repeated ADD), or stale. Replace the latter in one
    // transaction; try again if they changed meanwhile.
    const PortState s = read_port(nft, p.port);
    if (is_complete(s, p) || nft.try_run(delete_lines(p.port, s) + create_lines(p), &error)) return;
  }
  fail_transaction(what, error);
}

void remove_mac_spoof_check(Nft& nft, const std::string& port, const std::string& owner,
                            const std::optional<std::string>& mac) {
  if (!is_nft_safe(port) || !is_nft_safe(owner)) return;  // add_mac_spoof_check never wrote such elements
  const std::string token = element("delete", kOwners, token_key(port, token_of(owner)));
  // Common case, DEL with prevResult: the elements are there, still the owner's, and go in one transaction.
  if (mac && nft.try_run(token + element("delete", kPorts, quoted(port)) + element("delete", kMacs, mac_key(port, *mac))))
    return;
  PortState s = read_port(nft, port);
  if (std::find(s.tokens.begin(), s.tokens.end(), token_of(owner)) == s.tokens.end()) return;  // gone, or not ours
  s.tokens.clear();  // only ours goes (in `token`); with it, the port's elements
  std::string error;
  if (!nft.try_run(token + delete_lines(port, s), &error) && !is_missing_error(error))
    fail_transaction("remove macspoofchk of " + owner + " on " + port, error);
}

void add_mac_spoof_check(std::optional<Nft>& nft, const SpoofCheckedPort& p) {
  require_nft_safe(p);
  if (add_fast(p)) return;
  if (!nft) nft.emplace();
  add_mac_spoof_check(*nft, p);
}

void remove_mac_spoof_check(std::optional<Nft>& nft, const std::string& port, const std::string& owner,
                            const std::optional<std::string>& mac) {
  if (!is_nft_safe(port) || !is_nft_safe(owner)) return;
  if (mac && remove_fast(port, owner, *mac)) return;
  if (!nft) nft.emplace();
  remove_mac_spoof_check(*nft, port, owner, mac);
}

std::string find_mac_spoof_check_gap(Nft& nft, const SpoofCheckedPort& p) {
  const PortState s = read_port(nft, p.port);
  const std::string where = std::string(" in table ") + kTable;
  if (!s.has_rule) return std::string("the drop rule of chain ") + kChain + where + " is missing";
  if (s.owner != p.owner)
    return "element \"" + p.port + "\" of set " + kPorts + where + (s.owner ? " belongs to \"" + *s.owner + "\"" : " is missing");
  if (std::find(s.macs.begin(), s.macs.end(), p.mac) == s.macs.end())
    return "element \"" + p.port + "\" . " + p.mac + " of set " + kMacs + where + " is missing";
  if (std::find(s.tokens.begin(), s.tokens.end(), token_of(p.owner)) == s.tokens.end())
    return "the owner token of \"" + p.port + "\" in set " + kOwners + where + " is missing";
  return "";
}

}  // namespace nexus::nat
