#include "shared/cni/result.h"

#include "shared/base/error.h"
#include "shared/cni/json_fields.h"
#include "shared/cni/version.h"

namespace nexus::cni {
namespace {

using nlohmann::json;

bool at_least(const std::string& version, const char* min) { return compare_versions(version, min) >= 0; }

// Fields a version does not define are ignored, as encode_result() never writes them: what parses from a result
// of version V is exactly what encoding in V keeps.
Interface parse_interface(const json& j, bool v110) {
  if (!j.is_object()) throw Error(Code::DecodeFailure, "result interfaces[] entries must be objects");
  Interface i;
  i.name = opt_string(j, "name").value_or("");
  i.mac = opt_string(j, "mac").value_or("");
  i.sandbox = opt_string(j, "sandbox").value_or("");
  if (!v110) return i;
  i.mtu = opt_uint(j, "mtu");
  i.socket_path = opt_string(j, "socketPath").value_or("");
  i.pci_id = opt_string(j, "pciID").value_or("");
  return i;
}

// A result's addresses are data another plugin wrote: malformed text is a decode failure (code 6).
IpPrefix prefix_field(const json& j, const char* key) {
  const std::string text = required_string(j, key);
  const auto prefix = IpPrefix::parse(text);
  if (!prefix)
    throw Error(Code::DecodeFailure, std::string("field \"") + key + "\" must be a CIDR, got \"" + text + "\"");
  return *prefix;
}

std::optional<IpAddress> opt_address_field(const json& j, const char* key) {
  const auto text = opt_string(j, key);
  if (!text || text->empty()) return std::nullopt;
  const auto address = IpAddress::parse(*text);
  if (!address)
    throw Error(Code::DecodeFailure, std::string("field \"") + key + "\" must be an IP address, got \"" + *text + "\"");
  return address;
}

IpConfig parse_ip(const json& j) {
  if (!j.is_object()) throw Error(Code::DecodeFailure, "result ips[] entries must be objects");
  IpConfig ip;
  ip.address = prefix_field(j, "address");
  ip.gateway = opt_address_field(j, "gateway");
  // 0.3.x/0.4.0 results carry "interface" as a pointer-like optional int; negative means none.
  if (const auto* v = j.contains("interface") ? &j.at("interface") : nullptr; v && v->is_number_integer()) {
    if (v->get<long long>() >= 0) ip.interface = v->get<unsigned>();
  } else if (v && !v->is_null()) {
    throw Error(Code::DecodeFailure, "field \"interface\" must be an integer, got " + v->dump());
  }
  return ip;
}

Route parse_route(const json& j, bool v110) {
  if (!j.is_object()) throw Error(Code::DecodeFailure, "routes[] entries must be objects");
  Route r;
  r.dst = prefix_field(j, "dst");
  r.gw = opt_address_field(j, "gw");
  if (!v110) return r;
  r.mtu = opt_uint(j, "mtu");
  r.advmss = opt_uint(j, "advmss");
  r.priority = opt_uint(j, "priority");
  r.table = opt_uint(j, "table");
  r.scope = opt_uint(j, "scope");
  return r;
}

template <class T, class F>
std::vector<T> parse_list(const json& j, const char* key, F parse_one) {
  std::vector<T> out;
  if (const auto list = opt_array(j, key))
    for (const auto& item : *list) out.push_back(parse_one(item));
  return out;
}

json encode_interface(const Interface& i, bool v110) {
  json j = {{"name", i.name}};
  if (!i.mac.empty()) j["mac"] = i.mac;
  if (v110 && i.mtu) j["mtu"] = *i.mtu;
  if (!i.sandbox.empty()) j["sandbox"] = i.sandbox;
  if (v110 && !i.socket_path.empty()) j["socketPath"] = i.socket_path;
  if (v110 && !i.pci_id.empty()) j["pciID"] = i.pci_id;
  return j;
}

json encode_ip(const IpConfig& ip, bool with_version) {
  json j = json::object();
  if (with_version) j["version"] = ip.is_v6() ? "6" : "4";
  if (ip.interface) j["interface"] = *ip.interface;
  j["address"] = ip.address.to_string();
  if (ip.gateway) j["gateway"] = ip.gateway->to_string();
  return j;
}

json encode_route(const Route& r, bool v110) {
  json j = {{"dst", r.dst.to_string()}};
  if (r.gw) j["gw"] = r.gw->to_string();
  if (v110) {
    if (r.mtu) j["mtu"] = *r.mtu;
    if (r.advmss) j["advmss"] = *r.advmss;
    if (r.priority) j["priority"] = *r.priority;
    if (r.table) j["table"] = *r.table;
    if (r.scope) j["scope"] = *r.scope;
  }
  return j;
}

}  // namespace

Dns parse_dns(const json& j) {
  Dns d;
  if (j.is_null()) return d;
  if (!j.is_object()) throw Error(Code::DecodeFailure, "field \"dns\" must be an object, got " + j.dump());
  d.nameservers = opt_strings(j, "nameservers").value_or(std::vector<std::string>{});
  d.domain = opt_string(j, "domain").value_or("");
  d.search = opt_strings(j, "search").value_or(std::vector<std::string>{});
  d.options = opt_strings(j, "options").value_or(std::vector<std::string>{});
  return d;
}

json encode_dns(const Dns& d) {
  json j = json::object();
  if (!d.nameservers.empty()) j["nameservers"] = d.nameservers;
  if (!d.domain.empty()) j["domain"] = d.domain;
  if (!d.search.empty()) j["search"] = d.search;
  if (!d.options.empty()) j["options"] = d.options;
  return j;
}

Result parse_result(const json& j, const std::string& version) {
  require_supported_version(version, "result version");
  if (!j.is_object()) throw Error(Code::DecodeFailure, "a result must be a JSON object");
  const bool v110 = at_least(version, "1.1.0");
  Result r;
  r.interfaces = parse_list<Interface>(j, "interfaces", [v110](const json& i) { return parse_interface(i, v110); });
  r.ips = parse_list<IpConfig>(j, "ips", parse_ip);
  r.routes = parse_list<Route>(j, "routes", [v110](const json& route) { return parse_route(route, v110); });
  if (j.contains("dns")) r.dns = parse_dns(j.at("dns"));
  for (const auto& ip : r.ips)
    if (ip.interface && *ip.interface >= r.interfaces.size())
      throw Error(Code::DecodeFailure, "result ips[] entry " + ip.address.to_string() + " names interface " +
                                           std::to_string(*ip.interface) + ", which does not exist");
  return r;
}

json encode_result(const Result& r, const std::string& version) {
  require_supported_version(version, "result version");
  const bool legacy = !at_least(version, "1.0.0");  // 0.3.x and 0.4.0 carry ips[].version
  const bool v110 = at_least(version, "1.1.0");
  json j = {{"cniVersion", version}};
  if (!r.interfaces.empty()) {
    j["interfaces"] = json::array();
    for (const auto& i : r.interfaces) j["interfaces"].push_back(encode_interface(i, v110));
  }
  if (!r.ips.empty()) {
    j["ips"] = json::array();
    for (const auto& ip : r.ips) j["ips"].push_back(encode_ip(ip, legacy));
  }
  if (!r.routes.empty()) {
    j["routes"] = json::array();
    for (const auto& route : r.routes) j["routes"].push_back(encode_route(route, v110));
  }
  j["dns"] = encode_dns(r.dns);
  return j;
}

}  // namespace nexus::cni
