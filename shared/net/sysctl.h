#pragma once
// Kernel settings through /proc/sys. /proc/sys/net belongs to the netns of the thread that opens the file, so a
// container setting is written inside a NetnsGuard.
#include <optional>
#include <string>

namespace nexus::net {

/// Writes `value` to /proc/sys/<path> (path with slashes: "net/ipv4/ip_forward"; interface names may contain
/// dots). Throws code 999 naming the path on failure.
void write_sysctl(const std::string& path, const std::string& value);
/// Reads /proc/sys/<path> without the trailing newline; nullopt if the file does not exist.
std::optional<std::string> read_sysctl(const std::string& path);
/// Writes only if the current value differs: saves a write and its side effects (toggling forwarding
/// resets per-interface settings). Returns true if it wrote.
bool ensure_sysctl(const std::string& path, const std::string& value);

/// Turns on IPv4 (net.ipv4.ip_forward) and/or IPv6 (net.ipv6.conf.all.forwarding) forwarding in the
/// calling thread's netns.
void enable_forwarding(bool ipv4, bool ipv6);

}  // namespace nexus::net
