#pragma once
// The /etc/hosts and /etc/resolv.conf a node sees, and the addresses in a CNI result they are built from.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"

namespace nexus::runtime {

/// One name in a hosts file.
struct HostEntry {
  std::string name;
  std::vector<IpAddress> addresses;
};

/// hosts file of node `self`: loopback lines, then every entry (the node itself included when listed).
std::string render_hosts(const std::string& self, const std::vector<HostEntry>& entries);

/// resolv.conf from the result's `dns` (nameservers, domain, search, options); without nameservers there, the
/// host's non-loopback nameservers from `host_resolv_conf` (a loopback resolver is unreachable from a node).
std::string render_resolv_conf(const nlohmann::json& dns, const std::string& host_resolv_conf);

/// The host resolv.conf text nodes take their nameservers from: `etc_path`'s (/etc/resolv.conf), unless it names
/// no resolver but loopback ones (systemd-resolved's stub 127.0.0.53, a local dnsmasq), which a node cannot
/// reach from its own netns: then systemd-resolved's list of upstream servers at `upstream_path`
/// (/run/systemd/resolve/resolv.conf) when that file exists, as podman does. A missing file reads as empty.
std::string host_resolv_conf(const std::string& etc_path, const std::string& upstream_path);

/// The container-side addresses (10.0.42.2/24) of a CNI result (0.3.0 and later): the `ips` whose interface
/// has a sandbox, or every ip when the result names no interfaces. Entries that are not a CIDR are left out.
std::vector<IpPrefix> result_addresses(const nlohmann::json& result);

/// Rewrites `path` keeping its inode (truncate + write), so a bind mount of it sees the new content; creates it
/// when missing.
void write_in_place(const std::string& path, const std::string& content);

}  // namespace nexus::runtime
