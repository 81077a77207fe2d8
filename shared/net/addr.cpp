#include "shared/net/addr.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>

#include "shared/net/nl_address.h"
#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"

namespace nexus::net {
namespace {

AddrPtr make_rtnl_addr(int ifindex, const IpPrefix& prefix) {
  AddrPtr addr(rtnl_addr_alloc());
  if (!addr) throw Error(Code::Internal, "allocate address: out of memory");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), family_of(prefix));
  const NlAddrPtr local = to_nl_addr(prefix);
  if (const int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) {
    throw nl_error("set", "address", prefix.to_string(), err);
  }
  rtnl_addr_set_prefixlen(addr.get(), prefix.length());
  return addr;
}

std::string on_link(const IpPrefix& prefix, int ifindex) {
  return prefix.to_string() + "' on link '#" + std::to_string(ifindex);
}

NlMsgPtr addr_dump_request(int ifindex, int family) {
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP));
  if (!msg) throw Error(Code::Internal, "allocate netlink message: out of memory");
  ifaddrmsg header{};
  header.ifa_family = static_cast<unsigned char>(family);
  header.ifa_index = static_cast<unsigned>(ifindex);  // filtered by the kernel under NETLINK_GET_STRICT_CHK
  check_put(nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO), "ifaddrmsg");
  return msg;
}

std::optional<Address> to_address(nl_object* obj, int ifindex, int family) {
  auto* a = reinterpret_cast<rtnl_addr*>(obj);
  if (rtnl_addr_get_ifindex(a) != ifindex) return std::nullopt;
  if (family != AF_UNSPEC && rtnl_addr_get_family(a) != family) return std::nullopt;
  nl_addr* local = rtnl_addr_get_local(a);
  if (local == nullptr) return std::nullopt;
  Address out;
  out.prefix = IpPrefix(prefix_from_nl(local, rtnl_addr_get_family(a)).address(), rtnl_addr_get_prefixlen(a));
  out.ifindex = ifindex;
  out.flags = rtnl_addr_get_flags(a);
  out.scope = rtnl_addr_get_scope(a);
  return out;
}

// Overlapping but different: the bridge would route the subnet by two addresses.
std::vector<Address> conflicting(const std::vector<Address>& present, const IpPrefix& gateway) {
  std::vector<Address> out;
  for (const Address& a : present) {
    if (!(a.prefix == gateway) && a.prefix.overlaps(gateway)) out.push_back(a);
  }
  return out;
}

}  // namespace

bool ensure_address(const NlSocket& sock, int ifindex, const IpPrefix& prefix, const AddressOptions& options) {
  AddrPtr addr = make_rtnl_addr(ifindex, prefix);
  if (prefix.is_v4() && prefix.length() <= 30) {
    const NlAddrPtr brd = to_nl_addr(prefix.last());
    rtnl_addr_set_broadcast(addr.get(), brd.get());
  }
  if (!prefix.is_v4() && options.nodad) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  const int err = rtnl_addr_add(sock.get(), addr.get(), NLM_F_EXCL);
  if (err == -NLE_EXIST) return false;
  if (err < 0) throw nl_error("add", "address", on_link(prefix, ifindex), err);
  return true;
}

bool delete_address(const NlSocket& sock, int ifindex, const IpPrefix& prefix) {
  AddrPtr addr = make_rtnl_addr(ifindex, prefix);
  const int err = rtnl_addr_delete(sock.get(), addr.get(), 0);
  if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return false;
  if (err < 0) throw nl_error("delete", "address", on_link(prefix, ifindex), err);
  return true;
}

std::vector<Address> list_addresses(const NlSocket& sock, int ifindex, int family) {
  std::vector<Address> out;
  dump(sock, [&] { return addr_dump_request(ifindex, family); },
       [&](nl_object* obj) {
         if (std::optional<Address> a = to_address(obj, ifindex, family)) out.push_back(*a);
       },
       "addresses of link #" + std::to_string(ifindex));
  return out;
}

void ensure_gateway_address(const NlSocket& sock, const Link& bridge, const IpPrefix& gateway, bool force) {
  const std::vector<Address> present = list_addresses(sock, bridge.index, family_of(gateway));
  const std::vector<Address> conflicts = conflicting(present, gateway);
  if (!conflicts.empty() && !force) {
    throw Error(Code::InvalidConfig, "bridge '" + bridge.name + "' already has address " +
                                                   conflicts.front().prefix.to_string() + ", different from gateway " +
                                                   gateway.to_string() + " (set forceAddress to replace it)");
  }
  for (const Address& old : conflicts) delete_address(sock, bridge.index, old.prefix);
  // The gateway must answer at once for containers created right after: no DAD on it.
  ensure_address(sock, bridge.index, gateway, {.nodad = true});
}

}  // namespace nexus::net
