#pragma once
// The ADD result (SPEC.md section 5) in a version-neutral form, converted to and from every supported version.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"

namespace nexus::cni {

struct Interface {
  std::string name{};
  std::string mac{};
  std::optional<unsigned> mtu{};  // 1.1.0
  std::string sandbox{};
  std::string socket_path{};      // 1.1.0
  std::string pci_id{};           // 1.1.0
  bool operator==(const Interface&) const = default;
};

struct IpConfig {
  IpPrefix address{};     // the container's address and its subnet's length, e.g. 10.0.42.2/24
  std::optional<IpAddress> gateway{};
  std::optional<unsigned> interface{};  // index into Result::interfaces
  bool is_v6() const { return !address.is_v4(); }
  bool operator==(const IpConfig&) const = default;
};

struct Route {
  IpPrefix dst{};
  std::optional<IpAddress> gw{};
  std::optional<unsigned> mtu{}, advmss{}, priority{}, table{}, scope{};  // 1.1.0
  bool operator==(const Route&) const = default;
};

struct Dns {
  std::vector<std::string> nameservers{};
  std::string domain{};
  std::vector<std::string> search{};
  std::vector<std::string> options{};
  bool empty() const { return nameservers.empty() && domain.empty() && search.empty() && options.empty(); }
  bool operator==(const Dns&) const = default;
};

struct Result {
  std::vector<Interface> interfaces{};
  std::vector<IpConfig> ips{};
  std::vector<Route> routes{};
  Dns dns{};
  bool operator==(const Result&) const = default;
};

/// Parses a result (or prevResult) written in any supported version; code 1 for an unsupported version,
/// code 6 for a malformed one (a malformed address included). `version` is the result's own cniVersion (or the
/// config's, for prevResult).
Result parse_result(const nlohmann::json& j, const std::string& version);
/// Encodes `r` in `version`'s format (0.3.x/0.4.0 add ips[].version; 1.1.0 adds route and interface fields).
nlohmann::json encode_result(const Result& r, const std::string& version);
nlohmann::json encode_dns(const Dns& dns);
Dns parse_dns(const nlohmann::json& j);

}  // namespace nexus::cni
