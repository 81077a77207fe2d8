#include "plugins/nexus-bridge/host_veth_name.h"

#include <cstdint>
#include <cstdio>

namespace nexus::bridge_plugin {

std::string host_veth_name(const std::string& container_id, const std::string& ifname) {
  // FNV-1a over "id\0ifname": 44 of its 64 bits name the interface; a clash needs ~4 million attachments.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](unsigned char c) { h = (h ^ c) * 0x100000001b3ULL; };
  for (const char c : container_id) mix(static_cast<unsigned char>(c));
  mix(0);
  for (const char c : ifname) mix(static_cast<unsigned char>(c));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%011llx", static_cast<unsigned long long>(h >> 20));
  return "nex-" + std::string(buf);
}

}  // namespace nexus::bridge_plugin
