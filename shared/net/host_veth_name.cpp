#include "shared/net/host_veth_name.h"

#include <cstdint>
#include <cstdio>

#include "shared/util/fnv1a.h"

namespace nexus::net {

std::string host_veth_name(const std::string& container_id, const std::string& ifname) {
  // FNV-1a over "id\0ifname": 44 of its 64 bits name the interface; a clash needs ~4 million attachments.
  const std::uint64_t h = fnv1a(container_id + '\0' + ifname);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%011llx", static_cast<unsigned long long>(h >> 20));
  return "nex-" + std::string(buf);
}

}  // namespace nexus::net
