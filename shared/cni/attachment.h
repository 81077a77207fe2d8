#pragma once
// One attachment of a container to a network: what CNI keys everything by (SPEC: containerID + ifname).
#include <compare>
#include <string>

namespace nexus::cni {

struct Attachment {
  std::string container_id;  ///< CNI_CONTAINERID
  std::string ifname;        ///< CNI_IFNAME
  friend auto operator<=>(const Attachment&, const Attachment&) = default;
};

}  // namespace nexus::cni
