#include "shared/nat/masquerade.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "shared/cni/error.h"
#include "shared/util/fnv1a.h"

namespace nexus::nat {
namespace {

using net::IpPrefix;

constexpr const char* kTable = "inet nexus";

bool is_exists_error(const std::string& error) { return error.find("File exists") != std::string::npos; }

// Objects are created once, by whichever process gets there first, and never rewritten: deleting or flushing
// rules makes the kernel wait for an RCU grace period (tens of ms) in this or the next transaction.
// `add table/map` is idempotent by itself; a chain and its rules go in one `create chain` transaction, so
// exactly one racing process creates them and the others see EEXIST, which means "done by someone else".
void create_once(Nft& nft, const std::string& commands) {
  std::string error;
  if (!nft.try_run(commands, &error) && !is_exists_error(error)) {
    throw cni::Error(cni::Code::Internal, "nftables transaction failed: " + error.substr(0, error.find('\n')), error);
  }
}

void create_table(Nft& nft) {
  const std::string t = kTable;
  nft.run("add table " + t + "\n" + "add map " + t + " masq_v4 { type ipv4_addr : verdict; }\n" + "add map " + t +
          " masq_v6 { type ipv6_addr : verdict; }\n");
  create_once(nft, "create chain " + t + " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n" +
                       "add rule " + t + " postrouting ip saddr vmap @masq_v4\n" + "add rule " + t +
                       " postrouting ip6 saddr vmap @masq_v6\n");
}

std::string join_networks(const std::vector<IpPrefix>& subnets, int family, const char* multicast) {
  std::string out;
  for (const IpPrefix& s : subnets) {
    if (s.family == family) out += s.network().to_string() + ", ";
  }
  return out + multicast;  // never empty: multicast is never masqueraded, as in the reference plugin
}

void create_network_chain(Nft& nft, const std::string& chain, const std::vector<IpPrefix>& subnets) {
  const std::string c = std::string(kTable) + " " + chain;
  create_once(nft, "create chain " + c + "\n" + "add rule " + c + " ip daddr { " +
                       join_networks(subnets, AF_INET, "224.0.0.0/4") + " } return\n" + "add rule " + c +
                       " ip6 daddr { " + join_networks(subnets, AF_INET6, "ff00::/8") + " } return\n" + "add rule " +
                       c + " masquerade\n");
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
  for (const IpPrefix& s : subnets) texts.push_back(s.network().to_string());
  std::sort(texts.begin(), texts.end());
  std::string key;
  for (const std::string& t : texts) key += t + ",";
  return key;
}

const char* map_of(const IpPrefix& a) { return a.family == AF_INET6 ? "masq_v6" : "masq_v4"; }

// One `<verb> element` line per address; `with_verdict` adds the owner's comment and ": jump <chain>".
std::string element_lines(const char* verb, const std::vector<IpPrefix>& addresses, const std::string& chain,
                          bool with_verdict, const std::string& owner = {}) {
  const std::string comment = owner.empty() ? std::string() : " comment \"" + owner + "\"";
  std::string out;
  for (const IpPrefix& a : addresses) {
    out += std::string(verb) + " element " + kTable + " " + map_of(a) + " { " + a.ip_string() +
           (with_verdict ? comment + " : jump " + chain : std::string()) + " }\n";
  }
  return out;
}

// The owner goes inside a quoted nft comment: keep to characters that need no escaping.
void validate_owner(const std::string& owner) {
  const bool ok = owner.size() <= 120 && std::all_of(owner.begin(), owner.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
                           c == '/' || c == ':';
                  });
  if (!ok) throw cni::Error(cni::Code::Internal, "masquerade owner \"" + owner + "\" is not a safe nft comment");
}

bool contains_ip(const std::vector<IpPrefix>& list, const IpPrefix& a) {
  return std::any_of(list.begin(), list.end(),
                     [&](const IpPrefix& b) { return b.family == a.family && b.ip_string() == a.ip_string(); });
}

// Elements whose verdict jumps to one of the network's chains ("n_<network hash>_<subnets hash>"). A key is
// "10.0.0.2", or {"elem": {"val": "10.0.0.2", "comment": owner}} when it carries an owner.
void collect_elements(const nlohmann::json& reply, const std::string& chain_prefix, std::vector<Masqueraded>& out) {
  for (const nlohmann::json& item : reply.value("nftables", nlohmann::json::array())) {
    if (!item.contains("map")) continue;
    for (const nlohmann::json& elem : item["map"].value("elem", nlohmann::json::array())) {
      if (!elem.is_array() || elem.size() != 2) continue;
      const nlohmann::json& verdict = elem[1];
      if (!verdict.contains("jump") || verdict["jump"].value("target", "").rfind(chain_prefix, 0) != 0) continue;
      const nlohmann::json& key = elem[0];
      if (key.is_string()) {
        out.push_back({IpPrefix::parse(key.get<std::string>()), {}});
      } else if (key.contains("elem") && key["elem"].value("val", nlohmann::json()).is_string()) {
        out.push_back({IpPrefix::parse(key["elem"]["val"].get<std::string>()), key["elem"].value("comment", "")});
      }
    }
  }
}

// JSON output for a scope: list commands are parsed, everything else keeps nft's text errors.
class JsonOutput {
 public:
  explicit JsonOutput(Nft& nft) : nft_(nft) { nft_.set_json(true); }
  ~JsonOutput() { nft_.set_json(false); }
  JsonOutput(const JsonOutput&) = delete;
  JsonOutput& operator=(const JsonOutput&) = delete;

 private:
  Nft& nft_;
};

}  // namespace

std::string network_chain(const std::string& network) { return "n_" + hex(fnv1a(network), 16); }

std::string network_chain(const std::string& network, const std::vector<IpPrefix>& subnets) {
  return network_chain(network) + "_" + hex(fnv1a(subnets_key(subnets)), 8);
}

void add_masquerade(Nft& nft, const std::string& network, const std::vector<IpPrefix>& addresses,
                    const std::vector<IpPrefix>& subnets, const std::string& owner) {
  if (addresses.empty()) return;
  validate_owner(owner);
  const std::string chain = network_chain(network, subnets);
  const std::string elements = element_lines("add", addresses, chain, true, owner);
  // Fast path, every ADD after the network's first: one transaction adding map elements, nothing else.
  if (nft.try_run(elements)) return;
  create_table(nft);
  create_network_chain(nft, chain, subnets);
  nft.run(elements);
}

void add_masquerade(const std::string& network, const std::vector<IpPrefix>& addresses,
                    const std::vector<IpPrefix>& subnets, const std::string& owner) {
  Nft nft;
  add_masquerade(nft, network, addresses, subnets, owner);
}

void remove_masquerade(Nft& nft, const std::string& network, const std::vector<IpPrefix>& addresses) {
  if (addresses.empty()) return;
  // Common case: the elements are there and one delete transaction removes them.
  if (nft.try_run(element_lines("delete", addresses, "", false))) return;
  // nft fails the whole transaction if one element (or the table) is absent: delete those still present.
  std::vector<IpPrefix> present;
  for (const IpPrefix& a : list_masqueraded(nft, network)) {
    if (contains_ip(addresses, a)) present.push_back(a);
  }
  if (!present.empty()) nft.run(element_lines("delete", present, "", false));
}

void remove_masquerade(const std::string& network, const std::vector<IpPrefix>& addresses) {
  Nft nft;
  remove_masquerade(nft, network, addresses);
}

std::vector<IpPrefix> list_masqueraded(Nft& nft, const std::string& network) {
  std::vector<IpPrefix> out;
  for (const Masqueraded& m : list_masquerade_entries(nft, network)) out.push_back(m.address);
  return out;
}

std::vector<Masqueraded> list_masquerade_entries(Nft& nft, const std::string& network) {
  const std::string chain_prefix = network_chain(network) + "_";
  std::vector<Masqueraded> out;
  const JsonOutput json(nft);
  // The whole (small) table in one run: libnftables fetches its cache once per run, and two list commands in
  // one run do not work (the cache is filtered for the last one).
  std::string output, error;
  if (!nft.try_run(std::string("list table ") + kTable, &error, &output)) return out;  // no table yet
  try {
    collect_elements(nlohmann::json::parse(output), chain_prefix, out);
  } catch (const nlohmann::json::exception& e) {
    throw cni::Error(cni::Code::Internal, std::string("parse nft output for the masquerade maps: ") + e.what());
  }
  return out;
}

std::vector<IpPrefix> gc_masquerade(Nft& nft, const std::string& network, const std::vector<IpPrefix>& keep) {
  std::vector<IpPrefix> stale;
  for (const IpPrefix& a : list_masqueraded(nft, network)) {
    if (!contains_ip(keep, a)) stale.push_back(a);
  }
  remove_masquerade(nft, network, stale);
  return stale;
}

void remove_masquerade_owned(Nft& nft, const std::string& network, const std::string& owner) {
  std::vector<IpPrefix> owned;
  for (const Masqueraded& m : list_masquerade_entries(nft, network))
    if (!owner.empty() && m.owner == owner) owned.push_back(m.address);
  remove_masquerade(nft, network, owned);
}

std::vector<IpPrefix> gc_masquerade_owners(Nft& nft, const std::string& network, const std::vector<std::string>& keep) {
  std::vector<IpPrefix> stale;
  for (const Masqueraded& m : list_masquerade_entries(nft, network))
    if (!m.owner.empty() && std::find(keep.begin(), keep.end(), m.owner) == keep.end()) stale.push_back(m.address);
  remove_masquerade(nft, network, stale);
  return stale;
}

std::vector<IpPrefix> missing_masquerade(Nft& nft, const std::string& network, const std::vector<IpPrefix>& addresses) {
  const std::vector<IpPrefix> present = list_masqueraded(nft, network);
  std::vector<IpPrefix> missing;
  for (const IpPrefix& a : addresses) {
    if (!contains_ip(present, a)) missing.push_back(a);
  }
  return missing;
}

}  // namespace nexus::nat
