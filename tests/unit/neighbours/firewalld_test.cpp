// firewalld_forward_verdict on listings shaped as firewalld 1.3's (nftables backend): the chains and rules
// below are copied from `nft -j list table inet firewalld` of a running firewalld 1.3.3 (Debian 12), cut to the
// forward path. tests/integration/neighbour_firewalld_test.cpp runs the real daemon.
#include "shared/neighbours/firewalld.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using nexus::neighbours::firewalld_fix;
using nexus::neighbours::firewalld_forward_verdict;
using nexus::neighbours::ForwardVerdict;
using nlohmann::json;

namespace {

json match(json left, json right, const char* op = "==") {
  return {{"match", {{"op", op}, {"left", std::move(left)}, {"right", std::move(right)}}}};
}
json meta(const char* key) { return {{"meta", {{"key", key}}}}; }
json ct(const char* key) { return {{"ct", {{"key", key}}}}; }
json verdict(const char* kind) { return {{kind, nullptr}}; }
json to(const char* kind, const std::string& target) { return {{kind, {{"target", target}}}}; }
json reject() { return {{"reject", {{"type", "icmpx"}, {"expr", "admin-prohibited"}}}}; }

// A listing: the forward base chain as firewalld writes it, then `extra` rules ({chain, exprs}).
struct Listing {
  json items = json::array();

  Listing& base_chain(const std::string& name, const char* policy = "accept") {
    items.push_back({{"chain", {{"family", "inet"}, {"table", "firewalld"}, {"name", name}, {"type", "filter"},
                                {"hook", "forward"}, {"prio", 10}, {"policy", policy}}}});
    return *this;
  }
  Listing& chain(const std::string& name) {
    items.push_back({{"chain", {{"family", "inet"}, {"table", "firewalld"}, {"name", name}}}});
    return *this;
  }
  Listing& rule(const std::string& chain, json exprs) {
    items.push_back({{"rule", {{"family", "inet"}, {"table", "firewalld"}, {"chain", chain}, {"expr", exprs}}}});
    return *this;
  }
  // A zone's forward chains: filter_FWD_<zone> runs the policies, its parts, then its target.
  Listing& zone(const std::string& zone, bool target_accept) {
    const std::string c = "filter_FWD_" + zone;
    chain(c);
    rule(c, {to("jump", "filter_FORWARD_POLICIES_pre")});
    for (const char* part : {"_pre", "_log", "_deny", "_allow", "_post"}) {
      chain(c + part);
      rule(c, {to("jump", c + part)});
    }
    rule(c, {to("jump", "filter_FORWARD_POLICIES_post")});
    rule(c, {target_accept ? verdict("accept") : reject()});
    return *this;
  }
  json dump() const { return {{"nftables", items}}; }
};

// firewalld 1.3 as it starts: default zone public, trusted defined, no interface bound.
Listing stock() {
  Listing l;
  l.base_chain("filter_FORWARD");
  l.rule("filter_FORWARD", {match(ct("state"), {{"set", {"established", "related"}}}), verdict("accept")});
  l.rule("filter_FORWARD", {match(ct("status"), "dnat", "in"), verdict("accept")});
  l.rule("filter_FORWARD", {match(meta("iifname"), "lo"), verdict("accept")});
  l.rule("filter_FORWARD", {match(ct("state"), "invalid", "in"), verdict("drop")});
  l.rule("filter_FORWARD",
         {match({{"payload", {{"protocol", "ip6"}, {"field", "daddr"}}}},
                {{"set", {{{"prefix", {{"addr", "2002::"}, {"len", 24}}}}}}}),
          {{"reject", {{"type", "icmpv6"}, {"expr", "addr-unreachable"}}}}});
  l.rule("filter_FORWARD", {to("jump", "filter_FORWARD_ZONES")});
  l.rule("filter_FORWARD", {reject()});
  l.chain("filter_FORWARD_POLICIES_pre").chain("filter_FORWARD_POLICIES_post").chain("filter_FORWARD_ZONES");
  l.zone("public", false).zone("trusted", true);
  return l;
}

// `firewall-cmd --zone=<zone> --add-interface=<name>`: its dispatch rule, before the default zone's catch-all
// (added last by the caller), and its intra-zone forwarding rule (the zones have <forward/>).
void bind(Listing& l, const std::string& name, const std::string& zone) {
  l.rule("filter_FORWARD_ZONES", {match(meta("iifname"), name), to("goto", "filter_FWD_" + zone)});
  l.rule("filter_FWD_" + zone + "_allow", {match(meta("oifname"), name), verdict("accept")});
}
void default_zone(Listing& l, const std::string& zone = "public") {
  l.rule("filter_FORWARD_ZONES", {to("goto", "filter_FWD_" + zone)});
}

ForwardVerdict verdict_of(const Listing& l, const std::vector<std::string>& egress = {"eth0"}) {
  return firewalld_forward_verdict(l.dump(), "nxbr0", egress);
}

}  // namespace

TEST_CASE("firewalld: a bridge in no zone goes to the default zone, whose forward chain rejects it") {
  Listing l = stock();
  default_zone(l);
  const ForwardVerdict v = verdict_of(l);
  CHECK_FALSE(v.accepted);
  CHECK(v.zone == "public");
  CHECK(v.chain == "filter_FWD_public");
}

TEST_CASE("firewalld: the default zone set to trusted, or the bridge bound to it, accepts") {
  Listing by_default = stock();
  default_zone(by_default, "trusted");
  CHECK(verdict_of(by_default).accepted);
  CHECK(verdict_of(by_default).zone == "trusted");

  Listing bound = stock();
  bind(bound, "nxbr0", "trusted");
  default_zone(bound);
  const ForwardVerdict v = verdict_of(bound);
  CHECK(v.accepted);
  CHECK(v.zone == "trusted");
  CHECK(v.chain == "filter_FWD_trusted");
  // Another bridge is still in the default zone.
  CHECK_FALSE(firewalld_forward_verdict(bound.dump(), "nxbr1", {"eth0"}).accepted);
}

TEST_CASE("firewalld: a wildcard binding (iifname \"nxbr*\") counts") {
  Listing l = stock();
  bind(l, "nxbr*", "trusted");
  default_zone(l);
  CHECK(verdict_of(l).accepted);
  CHECK_FALSE(firewalld_forward_verdict(l.dump(), "nexus0", {"eth0"}).accepted);
}

TEST_CASE("firewalld: a match on a named set is not decided: its accept does not count, nor its reject") {
  Listing l = stock();
  l.rule("filter_FORWARD_ZONES", {match(meta("iifname"), "@trusted_ifaces"), to("goto", "filter_FWD_trusted")});
  default_zone(l);
  CHECK_FALSE(verdict_of(l).accepted);
  Listing by_set;
  by_set.base_chain("filter_FORWARD");
  by_set.rule("filter_FORWARD", {match(meta("iifname"), "@blocked"), verdict("drop")});
  CHECK(verdict_of(by_set).accepted);
}

TEST_CASE("firewalld: intra-zone forwarding accepts only towards an uplink bound to the bridge's zone") {
  Listing l = stock();
  bind(l, "nxbr0", "public");
  bind(l, "eth0", "public");
  default_zone(l);
  CHECK(verdict_of(l, {"eth0"}).accepted);
  CHECK_FALSE(verdict_of(l, {"eth1"}).accepted);          // the uplink is not bound: it is not intra-zone
  CHECK_FALSE(verdict_of(l, {"eth0", "eth1"}).accepted);  // IPv6's default route leaves by eth1
  CHECK_FALSE(verdict_of(l, {}).accepted);                // no default route: no uplink known to count on
}

TEST_CASE("firewalld: a policy that accepts the bridge's traffic counts; one that depends on more does not") {
  Listing l = stock();
  default_zone(l);
  l.chain("filter_FWD_policy_nexus");
  l.rule("filter_FORWARD_POLICIES_pre", {match(meta("iifname"), "nxbr0"), to("jump", "filter_FWD_policy_nexus")});
  l.rule("filter_FWD_policy_nexus", {match(meta("l4proto"), "tcp"), verdict("accept")});
  CHECK_FALSE(verdict_of(l).accepted);  // tcp only: not all of the bridge's traffic
  l.rule("filter_FWD_policy_nexus", {{{"counter", {{"packets", 0}, {"bytes", 0}}}}, verdict("accept")});
  const ForwardVerdict v = verdict_of(l);
  CHECK(v.accepted);
  CHECK(v.chain == "filter_FWD_policy_nexus");
}

TEST_CASE("firewalld: a reject of some destinations does not count; a jump that returns goes on") {
  Listing l;
  l.base_chain("filter_FORWARD");
  l.chain("sub");
  l.rule("filter_FORWARD", {match(meta("oifname"), "eth0", "!="), verdict("drop")});
  l.rule("filter_FORWARD", {to("jump", "sub")});
  l.rule("sub", {match(ct("state"), "new", "!="), verdict("drop")});
  l.rule("sub", {verdict("return")});
  l.rule("sub", {reject()});
  CHECK(verdict_of(l, {"eth0"}).accepted);  // falls off the base chain: its policy accept
  CHECK_FALSE(verdict_of(l, {"eth1"}).accepted);
  CHECK(verdict_of(l, {}).accepted);  // oifname unknown: the drop is not certain
}

TEST_CASE("firewalld: a base chain's drop policy rejects; a listing without a forward hook accepts") {
  Listing drop;
  drop.base_chain("filter_FORWARD", "drop");
  const ForwardVerdict v = verdict_of(drop);
  CHECK_FALSE(v.accepted);
  CHECK(v.chain == "filter_FORWARD");
  CHECK(verdict_of(Listing{}).accepted);
  // Every forward base chain must accept.
  Listing two;
  two.base_chain("a").base_chain("b", "drop");
  CHECK_FALSE(verdict_of(two).accepted);
}

TEST_CASE("firewalld: the fix binds the bridge to trusted now and permanently") {
  CHECK(firewalld_fix("nxbr0") ==
        "firewall-cmd --zone=trusted --change-interface=nxbr0 && "
        "firewall-cmd --permanent --zone=trusted --change-interface=nxbr0");
}
