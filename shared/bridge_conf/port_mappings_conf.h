#pragma once
// runtimeConfig.portMappings (capability "portMappings", CONVENTIONS.md): the host ports nexus-bridge publishes
// to the container (shared/nat/port_publish.h).
#include <nlohmann/json.hpp>
#include <vector>

#include "shared/nat/port_publish.h"

namespace nexus::bridge_plugin {

/// Parses the list: hostPort and containerPort 1..65535, protocol tcp/udp/sctp (default tcp, any case), hostIP
/// an address ("" or absent: every local address). Code 6 for wrong types, 7 for bad values and for two
/// entries with the same protocol, hostIP and hostPort.
std::vector<nat::PortMapping> parse_port_mappings(const nlohmann::json& list);

}  // namespace nexus::bridge_plugin
