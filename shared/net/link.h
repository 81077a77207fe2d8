#pragma once
// Links (network interfaces): lookups by name or index without dumping every link, and the few changes the
// plugins make to them.
#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include "shared/net/nl_socket.h"

namespace nexus::net {

/// What we read back about a link.
struct Link {
  int index = 0;
  std::string name;
  std::string mac;     ///< "aa:bb:cc:dd:ee:ff", lowercase; empty if the link has none
  unsigned mtu = 0;
  unsigned flags = 0;  ///< IFF_*
  int master = 0;      ///< ifindex of the bridge it is enslaved to, 0 if none
  std::string kind;    ///< IFLA_INFO_KIND: "bridge", "veth", ...; empty for devices without one (lo)

  bool is_up() const noexcept;
};

/// Every netns registers its loopback first, with this index (the kernel's LOOPBACK_IFINDEX).
inline constexpr int kLoopbackIndex = 1;

/// The link named `name` in the socket's netns, or nullopt if there is none.
std::optional<Link> find_link(const NlSocket& sock, const std::string& name);
/// The link with index `index`, or nullopt.
std::optional<Link> find_link(const NlSocket& sock, int index);
/// Like find_link but a missing link is an error (code 999).
Link get_link(const NlSocket& sock, const std::string& name);
Link get_link(const NlSocket& sock, int index);

/// Sets IFF_UP.
void set_up(const NlSocket& sock, int index);
/// Clears IFF_UP.
void set_down(const NlSocket& sock, int index);
/// Sets the MTU.
void set_mtu(const NlSocket& sock, int index, unsigned mtu);
/// Sets IFF_PROMISC.
void set_promisc(const NlSocket& sock, int index);
/// Enslaves link `index` to `master_index` (a bridge); 0 releases it.
void set_master(const NlSocket& sock, int index, int master_index);

/// Deletes the link named `name`; false if there was none (DEL treats "already gone" as success).
bool delete_link_by_name(const NlSocket& sock, const std::string& name);
/// Deletes the link with index `index`; false if there was none.
bool delete_link(const NlSocket& sock, int index);

/// Formats a hardware address as "aa:bb:...".
std::string format_mac(const unsigned char* bytes, size_t len);
/// Parses "aa:bb:cc:dd:ee:ff" (6 bytes); throws code 7 naming `key` if malformed.
std::array<unsigned char, 6> parse_mac(const std::string& text, const std::string& key = "mac");

}  // namespace nexus::net
