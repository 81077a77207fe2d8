#include "shared/neighbours/firewalld.h"

#include <map>
#include <optional>

#include "shared/base/error.h"
#include "shared/nat/nft.h"
#include "shared/nat/nft_batch.h"
#include "shared/net/default_route.h"

namespace nexus::neighbours {
namespace {

using nlohmann::json;

// A match's outcome for the packet: decided either way, or depending on what ADD cannot know.
enum class Tri { False, True, Unknown };

// nft's limit on nested jumps is 16; a listing that goes deeper is not one the kernel would run.
constexpr int kMaxDepth = 16;

// The packet in question: a new connection from the bridge, leaving by `oif` (unknown when empty).
struct Packet {
  std::string iif;
  std::string oif;
};

// An interface name against a match's right side: a name (nft's wildcard "eth*" included) or a set of them.
bool name_matches(const json& right, const std::string& name) {
  if (right.is_object() && right.contains("set")) {
    for (const json& one : right["set"])
      if (name_matches(one, name)) return true;
    return false;
  }
  if (!right.is_string()) return false;
  const std::string pattern = right.get<std::string>();
  if (!pattern.empty() && pattern.back() == '*')
    return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == name;
}

// Whether a conntrack state match (a name or a set of names) includes "new", the state of our packet.
bool has_new(const json& right) {
  if (right.is_object() && right.contains("set")) {
    for (const json& one : right["set"])
      if (has_new(one)) return true;
    return false;
  }
  return right.is_string() && right.get<std::string>() == "new";
}

Tri decide(bool b) { return b ? Tri::True : Tri::False; }

Tri evaluate_match(const json& match, const Packet& packet) {
  const json& left = match.value("left", json());
  const json& right = match.value("right", json());
  const std::string op = match.value("op", "==");
  Tri result = Tri::Unknown;
  // A named set ("@zone_interfaces"): its elements are not in the listing of its rule.
  if (right.is_string() && right.get<std::string>().rfind('@', 0) == 0) return Tri::Unknown;
  if (left.contains("meta")) {
    const std::string key = left["meta"].value("key", "");
    if (key == "iifname") result = decide(name_matches(right, packet.iif));
    if (key == "oifname" && !packet.oif.empty()) result = decide(name_matches(right, packet.oif));
  } else if (left.contains("ct")) {
    const std::string key = left["ct"].value("key", "");
    if (key == "state") result = decide(has_new(right));
    // A new connection from a container is neither DNATed nor SNATed yet (its masquerade comes at postrouting).
    if (key == "status") result = Tri::False;
  }
  if (result == Tri::Unknown || op == "==" || op == "in") return result;
  if (op == "!=") return result == Tri::True ? Tri::False : Tri::True;
  return Tri::Unknown;  // <, >, ... on names or states: not something firewalld writes
}

// What running a chain (or a rule) came to.
struct Outcome {
  enum Kind { Fallthrough, Accept, Reject } kind = Fallthrough;
  std::string chain;  // where an Accept or Reject was decided
};

class Evaluator {
 public:
  Evaluator(const json& listing, Packet packet) : packet_(std::move(packet)) {
    for (const json& item : listing.value("nftables", json::array())) {
      if (item.contains("chain")) {
        const json& c = item["chain"];
        if (c.value("hook", "") == "forward") base_chains_.push_back({c.value("name", ""), c.value("policy", "accept")});
      } else if (item.contains("rule")) {
        const json& r = item["rule"];
        rules_[r.value("chain", "")].push_back(r.value("expr", json::array()));
      }
    }
  }

  // Every forward-hook base chain must let the packet through; the first that does not decides.
  ForwardVerdict run() {
    ForwardVerdict verdict;
    for (const auto& [name, policy] : base_chains_) {
      zone_.clear();
      Outcome o = chain(name, 0);
      if (o.kind == Outcome::Fallthrough) o = {policy == "accept" ? Outcome::Accept : Outcome::Reject, name};
      if (o.kind == Outcome::Reject) return {.accepted = false, .zone = zone_, .chain = o.chain};
      verdict = {.accepted = true, .zone = zone_, .chain = o.chain};
    }
    return verdict;
  }

 private:
  Outcome chain(const std::string& name, int depth) {
    if (depth > kMaxDepth) return {};
    // firewalld's zone chains are filter_FWD_<zone> (and _pre, _allow, ...); its policies' filter_FWD_policy_<name>.
    const std::string prefix = "filter_FWD_";
    if (zone_.empty() && name.compare(0, prefix.size(), prefix) == 0 && name.find("policy_") == std::string::npos)
      zone_ = name.substr(prefix.size());
    for (const json& rule : rules_[name]) {
      std::optional<Outcome> o = this->rule(name, rule, depth);
      if (o) return *o;
    }
    return {};
  }

  // The rule's effect; nullopt when the packet goes on to the next rule.
  std::optional<Outcome> rule(const std::string& name, const json& exprs, int depth) {
    Tri all = Tri::True;
    for (const json& e : exprs) {
      if (e.contains("match")) {
        const Tri t = evaluate_match(e["match"], packet_);
        if (t == Tri::False) return std::nullopt;
        if (t == Tri::Unknown) all = Tri::Unknown;
      } else if (e.contains("accept") || e.contains("drop") || e.contains("reject") || e.contains("jump") ||
                 e.contains("goto") || e.contains("return")) {
        // Only a rule that holds for all of the bridge's traffic counts (header comment).
        if (all != Tri::True) return std::nullopt;
        if (e.contains("accept")) return Outcome{Outcome::Accept, name};
        if (e.contains("drop") || e.contains("reject")) return Outcome{Outcome::Reject, name};
        if (e.contains("return")) return Outcome{};
        const bool is_goto = e.contains("goto");
        const Outcome o = chain((is_goto ? e["goto"] : e["jump"]).value("target", ""), depth + 1);
        // A goto's chain ends this one; a jump's chain that falls through returns here.
        if (is_goto || o.kind != Outcome::Fallthrough) return o;
        return std::nullopt;
      } else if (!e.contains("counter") && !e.contains("log")) {
        all = Tri::Unknown;  // a limit, a quota, a set update...: not certain to let every packet through
      }
    }
    return std::nullopt;  // no verdict: the packet goes on
  }

  Packet packet_;
  std::vector<std::pair<std::string, std::string>> base_chains_;  // name, policy
  std::map<std::string, std::vector<json>> rules_;               // chain -> its rules' expressions, in order
  std::string zone_;
};

}  // namespace

ForwardVerdict firewalld_forward_verdict(const json& listing, const std::string& bridge,
                                         const std::vector<std::string>& egress) {
  if (egress.empty()) return Evaluator(listing, {.iif = bridge, .oif = ""}).run();
  ForwardVerdict verdict;
  for (const std::string& oif : egress) {
    verdict = Evaluator(listing, {.iif = bridge, .oif = oif}).run();
    if (!verdict.accepted) break;
  }
  return verdict;
}

std::string firewalld_fix(const std::string& bridge) {
  return "firewall-cmd --zone=trusted --change-interface=" + bridge +
         " && firewall-cmd --permanent --zone=trusted --change-interface=" + bridge;
}

void require_firewalld_forwards(const net::NlSocket& host, const std::string& bridge) {
  if (!nat::table_exists(nat::NftBatch::Family::Inet, kFirewalldTable)) return;
  nat::Nft nft;
  nft.set_json(true);
  std::string listing;
  // Gone since we looked (firewalld stopped, CleanupOnExit): nothing of it to pass.
  if (!nft.try_run(std::string("list table inet ") + kFirewalldTable, nullptr, &listing)) return;
  json parsed = json::parse(listing, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
    throw Error(Code::Internal, "firewalld: cannot read nft's listing of table inet firewalld", listing);
  const ForwardVerdict v = firewalld_forward_verdict(parsed, bridge, net::default_route_interfaces(host));
  if (v.accepted) return;
  const std::string zone = v.zone.empty() ? "" : " in zone " + v.zone;
  throw Error(Code::FirewalldRejectsForwarding,
              "firewalld rejects the traffic the host forwards from bridge " + bridge + zone + " (chain " +
                  v.chain + " of table inet firewalld); put the bridge in a zone that forwards it: " +
                  firewalld_fix(bridge),
              "firewalld's zones decide what it forwards; Nexus does not change another firewall's rules. The "
              "first command binds the bridge now, the second keeps it bound across firewall-cmd --reload and "
              "restarts. Any zone with target ACCEPT, or intra-zone forwarding to the uplink's zone, works too.");
}

}  // namespace nexus::neighbours
