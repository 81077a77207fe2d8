#include "shared/net/link.h"

#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>

#include <cstdio>

#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"

namespace nexus::net {
namespace {

Link to_link(rtnl_link* l) {
  Link link;
  link.index = rtnl_link_get_ifindex(l);
  if (const char* name = rtnl_link_get_name(l)) link.name = name;
  if (nl_addr* addr = rtnl_link_get_addr(l); addr != nullptr && nl_addr_get_len(addr) > 0) {
    link.mac = format_mac(static_cast<const unsigned char*>(nl_addr_get_binary_addr(addr)), nl_addr_get_len(addr));
  }
  link.mtu = rtnl_link_get_mtu(l);
  link.flags = rtnl_link_get_flags(l);
  link.master = rtnl_link_get_master(l);
  if (const char* kind = rtnl_link_get_type(l)) link.kind = kind;
  return link;
}

// One RTM_GETLINK for one link: never a dump of every link (a host may carry thousands of veths).
std::optional<Link> get_kernel(const NlSocket& sock, int index, const char* name, const std::string& label) {
  rtnl_link* raw = nullptr;
  const int err = rtnl_link_get_kernel(sock.get(), index, name, &raw);
  const LinkPtr link(raw);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return std::nullopt;
  if (err < 0) throw nl_error("get", "link", label, err);
  return to_link(link.get());
}

std::string index_label(int index) { return "#" + std::to_string(index); }

void change_flags(const NlSocket& sock, int index, unsigned flags, unsigned change, const char* verb) {
  ifinfomsg header{};
  header.ifi_index = index;
  header.ifi_flags = flags;
  header.ifi_change = change;
  send_or_throw(sock, link_message(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, header), verb, "link", index_label(index));
}

void set_u32(const NlSocket& sock, int index, int attr, uint32_t value, const char* verb) {
  ifinfomsg header{};
  header.ifi_index = index;
  NlMsgPtr msg = link_message(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, header);
  check_put(nla_put_u32(msg.get(), attr, value), verb);
  send_or_throw(sock, std::move(msg), verb, "link", index_label(index));
}

bool delete_with(const NlSocket& sock, const ifinfomsg& header, const char* name, const std::string& label) {
  NlMsgPtr msg = link_message(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, header);
  if (name != nullptr) check_put(nla_put_string(msg.get(), IFLA_IFNAME, name), "IFLA_IFNAME");
  const int err = send_and_wait_ack(sock, std::move(msg));
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return false;
  if (err < 0) throw nl_error("delete", "link", label, err);
  return true;
}

bool valid_ifname(const std::string& name) { return !name.empty() && name.size() < IFNAMSIZ; }

}  // namespace

bool Link::is_up() const noexcept { return (flags & IFF_UP) != 0; }

std::optional<Link> find_link(const NlSocket& sock, const std::string& name) {
  if (!valid_ifname(name)) return std::nullopt;  // the kernel cannot hold such a name
  return get_kernel(sock, 0, name.c_str(), name);
}

std::optional<Link> find_link(const NlSocket& sock, int index) {
  if (index <= 0) return std::nullopt;
  return get_kernel(sock, index, nullptr, index_label(index));
}

Link get_link(const NlSocket& sock, const std::string& name) {
  if (std::optional<Link> link = find_link(sock, name)) return *link;
  throw nl_error("get", "link", name, -NLE_OBJ_NOTFOUND);
}

Link get_link(const NlSocket& sock, int index) {
  if (std::optional<Link> link = find_link(sock, index)) return *link;
  throw nl_error("get", "link", index_label(index), -NLE_OBJ_NOTFOUND);
}

void set_up(const NlSocket& sock, int index) { change_flags(sock, index, IFF_UP, IFF_UP, "set up"); }

void set_down(const NlSocket& sock, int index) { change_flags(sock, index, 0, IFF_UP, "set down"); }

void set_promisc(const NlSocket& sock, int index) {
  change_flags(sock, index, IFF_PROMISC, IFF_PROMISC, "set promisc on");
}

void set_mtu(const NlSocket& sock, int index, unsigned mtu) { set_u32(sock, index, IFLA_MTU, mtu, "set mtu of"); }

void set_master(const NlSocket& sock, int index, int master_index) {
  set_u32(sock, index, IFLA_MASTER, static_cast<uint32_t>(master_index), "set master of");
}

bool delete_link_by_name(const NlSocket& sock, const std::string& name) {
  if (!valid_ifname(name)) return false;
  return delete_with(sock, ifinfomsg{}, name.c_str(), name);
}

bool delete_link(const NlSocket& sock, int index) {
  if (index <= 0) return false;
  ifinfomsg header{};
  header.ifi_index = index;
  return delete_with(sock, header, nullptr, index_label(index));
}

std::string format_mac(const unsigned char* bytes, size_t len) {
  std::string out;
  char part[4];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(part, sizeof part, i == 0 ? "%02x" : ":%02x", bytes[i]);
    out += part;
  }
  return out;
}

std::array<unsigned char, 6> parse_mac(const std::string& text, const std::string& key) {
  std::array<unsigned char, 6> mac{};
  unsigned b[6];
  char tail = 0;
  const int n = std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail);
  if (n != 6 || text.size() != 17) {
    throw Error(Code::InvalidConfig, "invalid " + key + " '" + text + "': expected aa:bb:cc:dd:ee:ff");
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<unsigned char>(b[i]);
  return mac;
}

}  // namespace nexus::net
