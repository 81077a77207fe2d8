#include "shared/bridge_conf/port_mappings_conf.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "shared/base/error.h"

namespace nexus::bridge_plugin {
namespace {

using nlohmann::json;

[[noreturn]] void wrong_type(const std::string& field, const char* expected, const json& value) {
  throw Error(Code::DecodeFailure, "field \"" + field + "\" must be " + expected + ", got " + value.dump());
}

// A port: an integer (6 otherwise) from 1 to 65535 (7 otherwise; negative numbers too).
unsigned port(const json& entry, const char* key, const std::string& where) {
  const std::string field = where + "." + key;
  if (!entry.contains(key) || entry[key].is_null())
    throw Error(Code::InvalidConfig, "missing field \"" + field + "\"");
  const json& v = entry[key];
  if (!v.is_number_integer()) wrong_type(field, "an integer", v);
  const long long n = v.get<long long>();
  if (n < 1 || n > 65535)
    throw Error(Code::InvalidConfig, "invalid " + field + " " + std::to_string(n) + ": must be 1 to 65535");
  return static_cast<unsigned>(n);
}

std::string protocol(const json& entry, const std::string& where) {
  if (!entry.contains("protocol") || entry["protocol"].is_null()) return "tcp";
  const json& v = entry["protocol"];
  if (!v.is_string()) wrong_type(where + ".protocol", "a string", v);
  std::string p = v.get<std::string>();
  std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
  if (p.empty()) return "tcp";
  if (p != "tcp" && p != "udp" && p != "sctp")
    throw Error(Code::InvalidConfig,
                "invalid " + where + ".protocol \"" + v.get<std::string>() + "\": must be tcp, udp or sctp");
  return p;
}

std::optional<IpAddress> host_ip(const json& entry, const std::string& where) {
  if (!entry.contains("hostIP") || entry["hostIP"].is_null()) return std::nullopt;
  const json& v = entry["hostIP"];
  if (!v.is_string()) wrong_type(where + ".hostIP", "a string", v);
  const std::string text = v.get<std::string>();
  if (text.empty()) return std::nullopt;  // what runtimes send for "any address"
  const auto a = IpAddress::parse(text);
  if (!a) throw Error(Code::InvalidConfig, "invalid " + where + ".hostIP \"" + text + "\": not an IP address");
  return a;
}

}  // namespace

std::vector<nat::PortMapping> parse_port_mappings(const json& list) {
  if (!list.is_array()) wrong_type("runtimeConfig.portMappings", "a list", list);
  std::vector<nat::PortMapping> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "runtimeConfig.portMappings[" + std::to_string(i) + "]";
    const json& entry = list[i];
    if (!entry.is_object()) wrong_type(where, "an object", entry);
    nat::PortMapping m{.host_port = port(entry, "hostPort", where),
                       .container_port = port(entry, "containerPort", where),
                       .protocol = protocol(entry, where),
                       .host_ip = host_ip(entry, where)};
    for (const nat::PortMapping& other : out)
      if (other.host_port == m.host_port && other.protocol == m.protocol && other.host_ip == m.host_ip)
        throw Error(Code::InvalidConfig, "duplicate " + where + ": host port " + nat::host_side_text(m) +
                                             " is mapped twice");
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace nexus::bridge_plugin
