#pragma once
// -p/--publish of `node create`: host ports forwarded to the node, handed to the network's plugins as the
// conventions' `portMappings` capability (so the reference portmap, or nexus-bridge itself, publishes them).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/runtime/conflist.h"

namespace nexus::launcher {

struct PortMapping {
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol = "tcp";  ///< tcp, udp or sctp
  std::string host_ip;           ///< empty: every host address
};

/// "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]" as podman and docker write it; an IPv6 host address in
/// brackets ("[::1]:8080:80"). Throws LauncherError naming the value and the form.
PortMapping parse_publish(const std::string& text);

/// The mappings of every -p, refusing one host port (protocol, address) published twice.
std::vector<PortMapping> parse_publish_options(const std::vector<std::string>& texts);

/// The `portMappings` capability value: [{"hostPort", "containerPort", "protocol", "hostIP"?}].
nlohmann::json port_mappings_json(const std::vector<PortMapping>& mappings);

/// Throws LauncherError when no plugin of `list` declares the `portMappings` capability: published ports
/// would otherwise be dropped without a word.
void require_port_mapping_plugin(const runtime::NetworkConfigList& list);

/// "8080->80/tcp, 127.0.0.1:5353->53/udp" from a node's capability arguments; "-" without mappings.
std::string published_ports_text(const nlohmann::json& capability_args);

}  // namespace nexus::launcher
