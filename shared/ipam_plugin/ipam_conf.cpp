#include "shared/ipam_plugin/ipam_conf.h"

#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "shared/base/error.h"
#include "shared/cni/json_fields.h"

namespace nexus::ipam_plugin {
namespace {

using nlohmann::json;

constexpr const char* kPluginType = "nexus-ipam";

// With only "type" given, nexus-ipam serves the default Nexus network.
const json kDefaultRanges = json::array({json::array({{{"subnet", "10.0.42.0/24"}, {"gateway", "10.0.42.1"}}})});

std::vector<ipam::RangeSet> parse_range_sets(const json& ipam, const json& runtime_config) {
  std::vector<ipam::RangeSet> sets;
  // As host-local: the runtime's range sets (runtimeConfig.ipRanges, capability "ipRanges") come first, then
  // the configured ones, the legacy single range before "ranges". One address per set, so the runtime's add
  // addresses rather than replace the configured ones; a runtime set overlapping a configured one is refused.
  if (auto rt = cni::opt_array(runtime_config, "ipRanges"))
    for (const auto& set : *rt) sets.push_back(ipam::parse_range_set(set));
  if (ipam.contains("subnet")) sets.push_back({ipam::parse_range(ipam)});
  if (auto ranges = cni::opt_array(ipam, "ranges"))
    for (const auto& set : *ranges) sets.push_back(ipam::parse_range_set(set));
  // The default network is for a config that names nexus-ipam and nothing more: a config written for
  // another IPAM plugin (or none) is a mistake to report, not a request for 10.0.42.0/24.
  const bool only_type = !ipam.contains("subnet") && !ipam.contains("ranges");
  if (sets.empty() && only_type && cni::opt_string(ipam, "type") != std::optional<std::string>(kPluginType))
    throw Error(Code::InvalidConfig, "missing ipam.ranges",
                "nexus-ipam serves its default network 10.0.42.0/24 only when ipam.type is \"nexus-ipam\"");
  if (sets.empty() && only_type)
    for (const auto& set : kDefaultRanges) sets.push_back(ipam::parse_range_set(set));
  if (sets.empty()) throw Error(Code::InvalidConfig, "invalid ipam.ranges []: at least one range set is required");
  ipam::validate_range_sets(sets);
  return sets;
}

// A route's number field (CNI spec 1.1.0: uint): absent/null is nullopt; not a whole number is a wrong type (6);
// negative or above `max` is a bad value (7), where Go's int in the reference would have let the kernel decide.
std::optional<unsigned> route_number(const json& route, const char* key, unsigned max) {
  const auto it = route.find(key);
  if (it == route.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer())
    throw Error(Code::DecodeFailure, std::string("route field \"") + key + "\" must be an integer, got " + it->dump());
  if (it->is_number_unsigned() && it->get<unsigned long long>() <= max) return it->get<unsigned>();
  throw Error(Code::InvalidConfig, std::string("invalid route ") + key + " " + it->dump() + " for dst " +
                                       route.value("dst", std::string()) + ": must be 0.." + std::to_string(max));
}

// mtu, advmss and priority of 0 mean "not set", as in the reference (Go ints with omitempty): nothing is applied
// or returned. table and scope of 0 are values (table 0: the kernel's main table; scope 0: global).
void parse_route_extras(const json& j, cni::Route& r) {
  const auto nonzero = [](std::optional<unsigned> v) { return v && *v != 0 ? v : std::nullopt; };
  r.mtu = nonzero(route_number(j, "mtu", UINT32_MAX));
  r.advmss = nonzero(route_number(j, "advmss", UINT32_MAX));
  r.priority = nonzero(route_number(j, "priority", UINT32_MAX));
  r.table = route_number(j, "table", UINT32_MAX);
  r.scope = route_number(j, "scope", UINT8_MAX);  // rtm_scope is one byte
}

cni::Route parse_route(const json& j) {
  if (!j.is_object()) throw Error(Code::DecodeFailure, "ipam.routes entries must be objects, got " + j.dump());
  cni::Route r;
  const std::string dst_text = cni::required_string(j, "dst");
  const auto dst = IpPrefix::parse(dst_text);
  if (!dst) throw Error(Code::InvalidConfig, "invalid route dst \"" + dst_text + "\": not a CIDR");
  r.dst = dst->masked();
  if (auto gw = cni::opt_string(j, "gw"); gw && !gw->empty()) {
    const auto addr = IpAddress::parse(*gw);
    if (!addr || addr->is_v4() != dst->is_v4())
      throw Error(Code::InvalidConfig, "invalid route gw \"" + *gw + "\" for dst " + r.dst.to_string());
    r.gw = addr;
  }
  parse_route_extras(j, r);
  // The kernel refuses an IPv4 next hop on a link- or host-scoped route: say so before anything is created.
  if (r.gw && r.scope && *r.scope >= RT_SCOPE_LINK && r.dst.is_v4())
    throw Error(Code::InvalidConfig, "invalid route to " + r.dst.to_string() + ": scope " +
                                         std::to_string(*r.scope) + " (link or host) cannot have gw " + r.gw->to_string());
  return r;
}

std::vector<cni::Route> parse_routes(const json& ipam) {
  std::vector<cni::Route> routes;
  if (auto list = cni::opt_array(ipam, "routes"))
    for (const auto& r : *list) routes.push_back(parse_route(r));
  else if (!ipam.contains("subnet") && !ipam.contains("ranges"))
    routes.push_back({.dst = *IpPrefix::parse("0.0.0.0/0")});  // the default network's default route
  return routes;
}

std::string parse_data_dir(const json& ipam) {
  const auto dir = cni::opt_string(ipam, "dataDir");
  if (!dir || dir->empty()) return kDefaultDataDir;
  // dataDir is a directory we create and write in: no relative paths, no ".." to climb out of where it says.
  if (dir->front() != '/' || ("/" + *dir + "/").find("/../") != std::string::npos)
    throw Error(Code::InvalidConfig, "invalid ipam.dataDir \"" + *dir + "\": must be an absolute path without ..");
  return *dir;
}

// resolv.conf as host-local reads it: nameserver, domain, search and options lines.
cni::Dns parse_resolv_conf(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(Code::InvalidConfig, "invalid ipam.resolvConf \"" + path + "\": cannot be read");
  cni::Dns dns;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    words >> key;
    if (key.empty() || key[0] == '#' || key[0] == ';') continue;
    std::vector<std::string> values;
    while (words >> value) values.push_back(value);
    if (key == "nameserver" && !values.empty()) dns.nameservers.push_back(values[0]);
    if (key == "domain" && !values.empty()) dns.domain = values[0];
    if (key == "search") dns.search = values;
    if (key == "options") dns.options.insert(dns.options.end(), values.begin(), values.end());
  }
  return dns;
}

cni::Dns parse_dns(const json& ipam) {
  cni::Dns dns;
  if (auto path = cni::opt_string(ipam, "resolvConf"); path && !path->empty()) dns = parse_resolv_conf(*path);
  if (ipam.contains("dns") && !ipam["dns"].is_null()) {
    const cni::Dns given = cni::parse_dns(ipam["dns"]);
    if (!given.nameservers.empty()) dns.nameservers = given.nameservers;
    if (!given.domain.empty()) dns.domain = given.domain;
    if (!given.search.empty()) dns.search = given.search;
    if (!given.options.empty()) dns.options = given.options;
  }
  return dns;
}

IpAddress parse_requested(const std::string& text, const std::string& source) {
  const auto addr = parse_address_or_prefix(text);
  if (!addr) throw Error(Code::InvalidConfig, "invalid " + source + " \"" + text + "\": not an IP address");
  return *addr;
}

std::vector<IpAddress> parse_requested_ips(const cni::Request& req, const cni::NetConf& net) {
  std::vector<IpAddress> ips;
  if (auto ip = req.args.get("IP")) {
    std::string_view rest = *ip;
    while (!rest.empty()) {  // "IP=a,b" for dual stack
      const size_t comma = rest.find(',');
      ips.push_back(parse_requested(std::string(rest.substr(0, comma)), "CNI_ARGS IP"));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  if (auto cni_args = cni::opt_object(net.args, "cni"))
    for (const auto& s : cni::opt_strings(*cni_args, "ips").value_or(std::vector<std::string>{}))
      ips.push_back(parse_requested(s, "args.cni.ips"));
  for (const auto& s : cni::opt_strings(net.runtime_config, "ips").value_or(std::vector<std::string>{}))
    ips.push_back(parse_requested(s, "runtimeConfig.ips"));
  // One address asked for through several sources is one request (the nexus launcher sends a
  // static address both as CNI_ARGS IP= and as the "ips" capability); host-local keys its requests by address.
  std::vector<IpAddress> unique;
  for (const auto& ip : ips)
    if (std::find(unique.begin(), unique.end(), ip) == unique.end()) unique.push_back(ip);
  return unique;
}

// Each requested address must be allocatable in exactly one set, and no set may get two.
void validate_requested(const std::vector<IpAddress>& ips, const std::vector<ipam::RangeSet>& sets) {
  std::vector<bool> taken(sets.size(), false);
  for (const auto& ip : ips) {
    size_t i = 0;
    while (i < sets.size() && !ipam::find_range(sets[i], ip)) ++i;
    if (i == sets.size())
      throw Error(Code::InvalidConfig, "requested IP " + ip.to_string() + " is not in any configured range");
    if (!ipam::is_allocatable(sets[i], ip))
      throw Error(Code::InvalidConfig, "requested IP " + ip.to_string() +
                                           " cannot be allocated: it is the network, broadcast or gateway address");
    if (taken[i])
      throw Error(Code::InvalidConfig, "more than one requested IP for range set " + ipam::to_string(sets[i]));
    taken[i] = true;
  }
}

}  // namespace

IpamConf IpamConf::parse(const cni::Request& req, Use use) {
  IpamConf c;
  c.net = cni::NetConf::parse(req);
  if (!req.config.contains("ipam") || req.config["ipam"].is_null())
    throw Error(Code::InvalidConfig, "missing \"ipam\": nexus-ipam reads its configuration from the ipam object",
                "give at least {\"type\": \"nexus-ipam\"} for the default network 10.0.42.0/24");
  const json& ipam = c.net.ipam;
  c.range_sets = parse_range_sets(ipam, c.net.runtime_config);
  c.routes = parse_routes(ipam);
  c.data_dir = parse_data_dir(ipam);
  // In every verb, as host-local. MAC= is the bridge's: it hands its CNI_ARGS on to us unchanged.
  req.args.reject_unknown({"IP", "MAC"});
  // Spec 1.1: DEL (and GC) must release what they can. What only shapes an ADD's result, a resolv.conf
  // since removed or a static address the ranges no longer allow, must not keep an address leased forever.
  if (use == Use::Release) return c;
  c.dns = parse_dns(ipam);
  c.requested = parse_requested_ips(req, c.net);
  validate_requested(c.requested, c.range_sets);
  return c;
}

}  // namespace nexus::ipam_plugin
