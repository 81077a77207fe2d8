#include "launcher/port_mapping.h"

#include <charconv>

#include "launcher/launcher_error.h"
#include "shared/base/ip_address.h"

namespace nexus::launcher {
namespace {

[[noreturn]] void refuse(const std::string& text, const std::string& why) {
  throw LauncherError("invalid -p '" + text + "': " + why,
                      "write [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp|sctp], e.g. -p 8080:80 or "
                      "-p 127.0.0.1:5353:53/udp");
}

uint16_t port_of(const std::string& text, const std::string& part) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value == 0 || value > 65535)
    refuse(text, "'" + part + "' is not a port (1-65535)");
  return static_cast<uint16_t>(value);
}

}  // namespace

PortMapping parse_publish(const std::string& text) {
  PortMapping m;
  std::string rest = text;
  if (const auto slash = rest.rfind('/'); slash != std::string::npos) {
    m.protocol = rest.substr(slash + 1);
    rest.resize(slash);
    if (m.protocol != "tcp" && m.protocol != "udp" && m.protocol != "sctp")
      refuse(text, "protocol '" + m.protocol + "' is not tcp, udp or sctp");
  }
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:host:container
    const auto close = rest.find("]:");
    if (close == std::string::npos) refuse(text, "an IPv6 host address ends with ']:'");
    m.host_ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
  } else if (const auto first = rest.find(':'); first != rest.rfind(':')) {  // ip:host:container
    m.host_ip = rest.substr(0, first);
    rest = rest.substr(first + 1);
  }
  const auto colon = rest.find(':');
  if (colon == std::string::npos) refuse(text, "give both the host port and the node's port");
  m.host_port = port_of(text, rest.substr(0, colon));
  m.container_port = port_of(text, rest.substr(colon + 1));
  if (!m.host_ip.empty()) {
    const auto ip = IpAddress::parse(m.host_ip);
    if (!ip) refuse(text, "'" + m.host_ip + "' is not an IP address");
    m.host_ip = ip->to_string();
  }
  return m;
}

std::vector<PortMapping> parse_publish_options(const std::vector<std::string>& texts) {
  std::vector<PortMapping> out;
  for (const std::string& text : texts) {
    const PortMapping m = parse_publish(text);
    for (const PortMapping& other : out)
      if (other.host_port == m.host_port && other.protocol == m.protocol &&
          (other.host_ip == m.host_ip || other.host_ip.empty() || m.host_ip.empty()))
        refuse(text, "host port " + std::to_string(m.host_port) + "/" + m.protocol + " is already published above");
    out.push_back(m);
  }
  return out;
}

nlohmann::json port_mappings_json(const std::vector<PortMapping>& mappings) {
  nlohmann::json out = nlohmann::json::array();
  for (const PortMapping& m : mappings) {
    nlohmann::json entry = {{"hostPort", m.host_port}, {"containerPort", m.container_port}, {"protocol", m.protocol}};
    if (!m.host_ip.empty()) entry["hostIP"] = m.host_ip;
    out.push_back(entry);
  }
  return out;
}

void require_port_mapping_plugin(const runtime::NetworkConfigList& list) {
  for (const nlohmann::json& plugin : list.plugins) {
    const nlohmann::json caps = plugin.value("capabilities", nlohmann::json::object());
    if (caps.is_object() && caps.value("portMappings", false) == true) return;
  }
  throw LauncherError("network " + list.name + " (" + list.source + ") cannot publish ports: none of its plugins "
                      "declares the portMappings capability",
                      "add \"capabilities\": {\"portMappings\": true} to a plugin that publishes ports (nexus-bridge, "
                      "or the reference portmap chained after the bridge), or use another --net");
}

std::string published_ports_text(const nlohmann::json& capability_args) {
  const nlohmann::json mappings = capability_args.value("portMappings", nlohmann::json::array());
  std::string out;
  for (const nlohmann::json& m : mappings) {
    if (!out.empty()) out += ", ";
    const std::string ip = m.value("hostIP", "");
    if (const auto address = IpAddress::parse(ip)) out += (address->is_v4() ? ip : "[" + ip + "]") + ":";
    out += std::to_string(m.value("hostPort", 0)) + "->" + std::to_string(m.value("containerPort", 0)) + "/" +
           m.value("protocol", "tcp");
  }
  return out.empty() ? "-" : out;
}

}  // namespace nexus::launcher
