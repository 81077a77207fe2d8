#include "shared/nat/port_publish.h"

#include <algorithm>

#include "shared/base/error.h"
#include "shared/nat/owned_elements.h"
#include "shared/net/sysctl.h"

namespace nexus::nat {
namespace {

constexpr const char* kTable = "inet nexus";

// False when the table went meanwhile (create_once): the caller starts again.
bool create_objects(Nft& nft) {
  const std::string t = std::string("add ") + "map " + kTable + " ";
  const std::string s = std::string("add ") + "set " + kTable + " ";
  nft.run(std::string("add table ") + kTable + "\n" +
          t + "port_dnat_v4 { type inet_proto . inet_service : ipv4_addr . inet_service; }\n" +
          t + "port_dnat_addr_v4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n" +
          t + "port_dnat_v6 { type inet_proto . inet_service : ipv6_addr . inet_service; }\n" +
          t + "port_dnat_addr_v6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }\n" +
          s + "port_owner_v4 { type inet_proto . inet_service . mark . mark; }\n" +
          s + "port_owner_addr_v4 { type ipv4_addr . inet_proto . inet_service . mark . mark; }\n" +
          s + "port_owner_v6 { type inet_proto . inet_service . mark . mark; }\n" +
          s + "port_owner_addr_v6 { type ipv6_addr . inet_proto . inet_service . mark . mark; }\n" +
          s + "port_hairpin_v4 { type ifname . ipv4_addr; flags interval; }\n" +
          s + "port_hairpin_v6 { type ifname . ipv6_addr; flags interval; }\n");
  // The hostIP maps come first: a mapping bound to one address wins over one on every address. A key that is
  // in no map ends the rule without a verdict, and the packet goes on unchanged.
  const std::string c = std::string(kTable) + " ";
  const std::string r = "add rule " + c;
  return create_once(nft,
                     "create chain " + c + "port_dnat\n" +
                         r + "port_dnat fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @port_dnat_addr_v4\n" +
                         r + "port_dnat fib daddr type local dnat ip to meta l4proto . th dport map @port_dnat_v4\n" +
                         r + "port_dnat fib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport map @port_dnat_addr_v6\n" +
                         // ::1 has no route_localnet: a DNATed packet from it could never leave the host.
                         r + "port_dnat fib daddr type local ip6 daddr != ::1 dnat ip6 to meta l4proto . th dport map @port_dnat_v6\n" +
                         "create chain " + c + "port_prerouting { type nat hook prerouting priority dstnat; policy accept; }\n" +
                         r + "port_prerouting jump port_dnat\n" +
                         "create chain " + c + "port_output { type nat hook output priority -100; policy accept; }\n" +
                         r + "port_output jump port_dnat\n" +
                         "create chain " + c + "port_postrouting { type nat hook postrouting priority srcnat; policy accept; }\n" +
                         // A container reaching a published port of itself or of a neighbour on its bridge: without
                         // this the answer would go straight back over the bridge, from an address it did not call.
                         // Keyed by the output interface and the source's subnet, which hold whether the packet was
                         // routed or bridged (br_netfilter), where the input interface is not known here.
                         r + "port_postrouting ct status dnat oifname . ip saddr @port_hairpin_v4 masquerade\n" +
                         r + "port_postrouting ct status dnat oifname . ip6 saddr @port_hairpin_v6 masquerade\n" +
                         // The host calling 127.0.0.1: a source no container could answer.
                         r + "port_postrouting ct status dnat ip saddr 127.0.0.0/8 masquerade\n",
                     "create port publishing chains");
}

// A map key: the host side of one mapping for one family.
struct Key {
  bool v6 = false;
  std::optional<IpAddress> host_ip;  // none: the any-address map
  std::string protocol;
  unsigned port = 0;
  bool operator==(const Key&) const = default;

  std::string suffix() const { return std::string(host_ip ? "_addr" : "") + (v6 ? "_v6" : "_v4"); }
  std::string map() const { return "port_dnat" + suffix(); }
  std::string owner_set() const { return "port_owner" + suffix(); }
  std::string text() const {
    return (host_ip ? host_ip->to_string() + " . " : std::string()) + protocol + " . " + std::to_string(port);
  }
  std::string describe() const {
    PortMapping m;
    m.host_port = port, m.protocol = protocol, m.host_ip = host_ip;
    return host_side_text(m);
  }
};

struct Element {
  Key key;
  IpAddress address;
  unsigned port = 0;
  std::string owner;
};

OwnerToken token_of(const std::string& network, const std::string& owner) {
  return OwnerToken::of(network + "\n" + owner);
}

std::string element_text(const Key& k) { return "{ " + k.text() + " }"; }

std::string create_lines(const Element& e, OwnerToken t) {
  return std::string("create element ") + kTable + " " + e.key.map() + " { " + e.key.text() + " comment \"" +
         e.owner + "\" : " + e.address.to_string() + " . " + std::to_string(e.port) + " }\n" +
         "create element " + kTable + " " + e.key.owner_set() + " { " + e.key.text() + " . " + t.text() + " }\n";
}
std::string delete_token_line(const Key& k, OwnerToken t) {
  return std::string("delete element ") + kTable + " " + k.owner_set() + " { " + k.text() + " . " + t.text() +
         " }\n";
}
std::string delete_element_line(const Key& k) {
  return std::string("delete element ") + kTable + " " + k.map() + " " + element_text(k) + "\n";
}
// Fails (ENOENT, nothing changed) unless the element still belongs to the holder of `t`.
std::string owned_delete_lines(const Key& k, OwnerToken t) { return delete_token_line(k, t) + delete_element_line(k); }

// What the table holds, as `nft -j list table` shows it.
struct TableState {
  std::vector<Element> elements;
  std::vector<std::pair<Key, OwnerToken>> tokens;

  const Element* element(const Key& k) const {
    for (const Element& e : elements)
      if (e.key == k) return &e;
    return nullptr;
  }
  bool has_token(const Key& k, OwnerToken t) const {
    return std::find(tokens.begin(), tokens.end(), std::make_pair(k, t)) != tokens.end();
  }
  std::vector<OwnerToken> tokens_of(const Key& k) const {
    std::vector<OwnerToken> out;
    for (const auto& [key, t] : tokens)
      if (key == k) out.push_back(t);
    return out;
  }
};

// The key of a map or owner-set element from its concatenation, nullopt when it is not one of ours.
std::optional<Key> key_of(const std::string& name, const nlohmann::json& concat, size_t fields) {
  const bool addr = name.find("_addr_") != std::string::npos;
  Key k;
  k.v6 = name.ends_with("_v6");
  if (concat.size() != fields + (addr ? 3 : 2)) return std::nullopt;
  size_t i = 0;
  if (addr) {
    const auto a = IpAddress::parse(concat[i++].get<std::string>());
    if (!a) return std::nullopt;
    k.host_ip = *a;
  }
  if (!concat[i].is_string() || !concat[i + 1].is_number_unsigned()) return std::nullopt;
  k.protocol = concat[i].get<std::string>();
  k.port = concat[i + 1].get<unsigned>();
  return k;
}

// One map or set as `nft -j list map|set` prints it; empty when it does not exist. Listed one by one: the table
// also holds every container's masquerade element, and listing all of it costs tens of ms with thousands.
nlohmann::json list_object(Nft& nft, const std::string& kind, const std::string& name) {
  nft.set_json(true);
  std::string output, error;
  const bool ok = nft.try_run("list " + kind + " " + kTable + " " + name, &error, &output);
  nft.set_json(false);
  if (!ok) return nlohmann::json::array();  // not created yet
  try {
    return nlohmann::json::parse(output).value("nftables", nlohmann::json::array());
  } catch (const nlohmann::json::exception& e) {
    throw Error(Code::Internal, "parse nft output for " + kind + " " + name + ": " + e.what());
  }
}

nlohmann::json list_port_objects(Nft& nft) {
  nlohmann::json all = nlohmann::json::array();
  for (const char* suffix : {"_v4", "_addr_v4", "_v6", "_addr_v6"}) {
    for (const nlohmann::json& item : list_object(nft, "map", std::string("port_dnat") + suffix)) all.push_back(item);
    for (const nlohmann::json& item : list_object(nft, "set", std::string("port_owner") + suffix)) all.push_back(item);
  }
  return all;
}

TableState read_table(Nft& nft) {
  TableState state;
  for (const nlohmann::json& item : list_port_objects(nft)) {
    const bool is_map = item.contains("map");
    if (!is_map && !item.contains("set")) continue;
    const nlohmann::json& obj = is_map ? item["map"] : item["set"];
    const std::string name = obj.value("name", "");
    if (!name.starts_with(is_map ? "port_dnat_" : "port_owner_")) continue;
    for (const nlohmann::json& elem : obj.value("elem", nlohmann::json::array())) {
      std::string comment;
      const nlohmann::json* c = element_concat(is_map ? elem.at(0) : elem, &comment);
      if (c == nullptr) continue;
      const auto key = key_of(name, *c, is_map ? 0 : 2);
      if (!key) continue;
      if (is_map) {
        const nlohmann::json* data = element_concat(elem.at(1));
        if (data == nullptr || data->size() != 2) continue;
        const auto a = IpAddress::parse((*data)[0].get<std::string>());
        if (!a) continue;
        state.elements.push_back({*key, *a, (*data)[1].get<unsigned>(), comment});
      } else {
        const size_t n = c->size();
        state.tokens.push_back({*key, {(*c)[n - 2].get<uint32_t>(), (*c)[n - 1].get<uint32_t>()}});
      }
    }
  }
  return state;
}

// The elements `mappings` ask for, to the container's first address of each family.
std::vector<Element> wanted(const PublishTarget& target, const std::vector<PortMapping>& mappings,
                            const std::vector<IpPrefix>& addresses) {
  std::optional<IpAddress> v4, v6;
  for (const IpPrefix& p : addresses) {
    if (p.is_v4() && !v4) v4 = p.address();
    if (!p.is_v4() && !v6) v6 = p.address();
  }
  std::vector<Element> out;
  for (const PortMapping& m : mappings) {
    for (const bool six : {false, true}) {
      const std::optional<IpAddress>& to = six ? v6 : v4;
      if (!to) continue;
      Key k;
      k.v6 = six, k.protocol = m.protocol, k.port = m.host_port;
      if (m.host_ip) {
        if (m.host_ip->is_v4() == six) continue;
        // ::1 has no route_localnet: a DNATed packet from it could never leave the host, and the element would
        // only take [::1]:port from the host's own services. Published nowhere, as by the reference portmap.
        if (*m.host_ip == *IpAddress::parse("::1")) continue;
        if (m.host_ip->value() != 0) k.host_ip = m.host_ip;  // 0.0.0.0 / :: : every address of the family
      }
      out.push_back({k, *to, m.container_port, target.owner});
    }
  }
  return out;
}

// Whose an element is: its comment, when its twin token says so; "" when no token of that owner in `network`
// matches (a stale or hand-made element).
bool owned_by(const TableState& state, const Element& e, const std::string& network, const std::string& owner) {
  return e.owner == owner && state.has_token(e.key, token_of(network, owner));
}

[[noreturn]] void fail_conflict(const Element& ours, const Element& theirs) {
  const std::string holder = theirs.owner.empty() ? "an element without owner" : theirs.owner;
  throw Error(Code::PortAlreadyPublished,
              "host port " + ours.key.describe() + " is already published by " + holder + " (to " +
                  theirs.address.to_string() + ":" + std::to_string(theirs.port) + ")",
              "nothing was changed; pick another host port, or remove the attachment that holds it (DEL, or CNI GC "
              "when it is gone); the port is in nftables map inet nexus " + theirs.key.map());
}

void require_nft_safe(const std::string& text, const char* what) {
  if (!is_nft_safe(text))
    throw Error(Code::InvalidConfig, std::string("publish ports: ") + what + " \"" + text +
                                         "\" cannot be written in nftables (use letters, digits, _ . -)");
}

// Removes each of `elements` if it still belongs to `network`'s owner it names: one transaction when none changed
// meanwhile, else one by one, skipping those that changed owner or went.
void remove_owned(Nft& nft, const std::string& network, const std::vector<Element>& elements) {
  std::string all;
  for (const Element& e : elements) all += owned_delete_lines(e.key, token_of(network, e.owner));
  if (all.empty() || nft.try_run(all)) return;
  for (const Element& e : elements) {
    std::string error;
    if (!nft.try_run(owned_delete_lines(e.key, token_of(network, e.owner)), &error) && !is_missing_error(error))
      fail_transaction("unpublish ports of " + e.owner, error);
  }
}

}  // namespace

std::string host_side_text(const PortMapping& m) {
  std::string host;
  if (m.host_ip) host = m.host_ip->is_v4() ? m.host_ip->to_string() + ":" : "[" + m.host_ip->to_string() + "]:";
  return host + std::to_string(m.host_port) + "/" + m.protocol;
}

void publish_ports(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings,
                   const std::vector<IpPrefix>& addresses) {
  const std::vector<Element> want = wanted(target, mappings, addresses);
  if (want.empty()) return;
  require_nft_safe(target.owner, "owner");
  require_nft_safe(target.bridge, "bridge");
  bool any_v4 = false, any_v6 = false;
  for (const Element& e : want) (e.key.v6 ? any_v6 : any_v4) = true;
  net::enable_forwarding(any_v4, any_v6);
  // 127.0.0.1 as a destination is routed to the bridge only with route_localnet on it (as the reference portmap).
  if (any_v4) net::ensure_sysctl("net/ipv4/conf/" + target.bridge + "/route_localnet", "1");
  const OwnerToken token = token_of(target.network, target.owner);
  // The containers' subnets on this bridge, for hairpin: added once per bridge and subnet (`add` of an element
  // that is there is a no-op) and left, like the chains: they change nothing for traffic nobody publishes.
  std::string hairpin;
  for (const IpPrefix& p : addresses)
    hairpin += std::string("add element ") + kTable + (p.is_v4() ? " port_hairpin_v4" : " port_hairpin_v6") +
               " { \"" + target.bridge + "\" . " + p.masked().to_string() + " }\n";
  std::string creates = hairpin;
  for (const Element& e : want) creates += create_lines(e, token);
  // Fast path: one transaction of new elements, all or nothing.
  std::string error;
  for (int attempt = 1; attempt <= kCreateAttempts; ++attempt) {
    if (nft.try_run(creates, &error)) return;
    if (!is_exists_error(error)) {
      // The table's objects are not there: not yet, or no more (a DEL that found the host idle deleted the
      // table, shared/nat/idle_tables.h). Create them and try again.
      (void)create_objects(nft);
      continue;
    }
    // A key is taken: by this owner already (a repeated ADD, or its own stale element), or by another one.
    const TableState state = read_table(nft);
    std::string replace = hairpin;
    for (const Element& e : want) {
      const Element* there = state.element(e.key);
      if (there != nullptr && !owned_by(state, *there, target.network, target.owner)) fail_conflict(e, *there);
      if (there != nullptr && there->address == e.address && there->port == e.port &&
          state.tokens_of(e.key).size() == 1)
        continue;  // ours as wanted
      for (const OwnerToken t : state.tokens_of(e.key)) replace += delete_token_line(e.key, t);
      if (there != nullptr) replace += delete_element_line(e.key);
      replace += create_lines(e, token);
    }
    if (nft.try_run(replace, &error)) return;
  }
  fail_transaction("publish ports of " + target.owner, error);
}

void require_ports_free(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings, bool v4,
                        bool v6) {
  std::vector<IpPrefix> stand_ins;  // addresses of the families only: the keys do not depend on them
  if (v4) stand_ins.push_back(*IpPrefix::parse("0.0.0.0/32"));
  if (v6) stand_ins.push_back(*IpPrefix::parse("::/128"));
  const std::vector<Element> want = wanted(target, mappings, stand_ins);
  // Common case, no key is taken: a missing element (or map) fails the `get` with ENOENT.
  const bool any_taken = std::any_of(want.begin(), want.end(), [&](const Element& e) {
    return nft.try_run(std::string("get element ") + kTable + " " + e.key.map() + " " + element_text(e.key));
  });
  if (!any_taken) return;
  const TableState state = read_table(nft);
  for (const Element& e : want) {
    const Element* there = state.element(e.key);
    if (there != nullptr && !owned_by(state, *there, target.network, target.owner)) fail_conflict(e, *there);
  }
}

void unpublish_ports(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings,
                     const std::vector<IpPrefix>& addresses) {
  if (target.owner.empty()) return;
  // Common case, DEL with the list and prevResult: one transaction, no listing of the (possibly large) table.
  const std::vector<Element> hinted = wanted(target, mappings, addresses);
  if (!hinted.empty() && is_nft_safe(target.owner)) {
    std::string lines;
    for (const Element& e : hinted) lines += owned_delete_lines(e.key, token_of(target.network, target.owner));
    if (nft.try_run(lines)) return;
  }
  const TableState state = read_table(nft);
  std::vector<Element> owned;
  for (const Element& e : state.elements)
    if (owned_by(state, e, target.network, target.owner)) owned.push_back(e);
  remove_owned(nft, target.network, owned);
}

std::string find_unpublished(Nft& nft, const PublishTarget& target, const std::vector<PortMapping>& mappings,
                             const std::vector<IpPrefix>& addresses) {
  const TableState state = read_table(nft);
  for (const Element& e : wanted(target, mappings, addresses)) {
    const Element* there = state.element(e.key);
    const std::string what = "host port " + e.key.describe() + " to " + e.address.to_string() + ":" +
                             std::to_string(e.port);
    if (there == nullptr) return what + " is not published (no element in map " + e.key.map() + ")";
    if (!owned_by(state, *there, target.network, target.owner))
      return what + " is published by " + (there->owner.empty() ? "no owner" : there->owner) + " instead";
    if (there->address != e.address || there->port != e.port)
      return what + " goes to " + there->address.to_string() + ":" + std::to_string(there->port) + " instead";
  }
  return "";
}

void collect_port_garbage(Nft& nft, const std::string& network, const std::vector<std::string>& keep_owners) {
  const TableState state = read_table(nft);
  std::vector<Element> stale;
  for (const Element& e : state.elements)
    if (!e.owner.empty() && owned_by(state, e, network, e.owner) &&
        std::find(keep_owners.begin(), keep_owners.end(), e.owner) == keep_owners.end())
      stale.push_back(e);
  remove_owned(nft, network, stale);
}

}  // namespace nexus::nat
