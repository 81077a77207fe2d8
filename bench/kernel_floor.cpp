// Kernel floors for the bridge section: the netlink requests at the heart of every ADD and DEL, timed alone.
// Raw rtnetlink keeps the bench free of libnl (the product's netlink layer is what is being measured).
#include "bench/kernel_floor.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "shared/util/unique_fd.h"

namespace nexus::bench {
namespace {

// A netlink message under construction: header, fixed part, then (nested) attributes.
class Message {
 public:
  Message(uint16_t type, uint16_t flags) : buf_(NLMSG_HDRLEN) {
    header()->nlmsg_type = type;
    header()->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    header()->nlmsg_seq = 1;
  }
  void append(const void* data, size_t size) {
    size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(size));
    std::memcpy(buf_.data() + at, data, size);
  }
  size_t begin_attr(uint16_t type) {
    size_t at = buf_.size();
    rtattr attr{RTA_LENGTH(0), type};
    append(&attr, sizeof attr);
    return at;
  }
  void end_attr(size_t at) { reinterpret_cast<rtattr*>(buf_.data() + at)->rta_len = buf_.size() - at; }
  void attr(uint16_t type, const void* data, size_t size) {
    size_t at = begin_attr(type);
    append(data, size);
    reinterpret_cast<rtattr*>(buf_.data() + at)->rta_len = RTA_LENGTH(size);
  }
  void attr(uint16_t type, const std::string& text) { attr(type, text.c_str(), text.size() + 1); }
  const std::vector<char>& finish() {
    header()->nlmsg_len = buf_.size();
    return buf_;
  }

 private:
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  std::vector<char> buf_;
};

std::runtime_error errno_error(const std::string& what, int error) {
  return std::runtime_error(what + ": " + std::strerror(error));
}

// Sends one request on a fresh socket; returns seconds from send to ack.
double timed_request(Message& message, const std::string& what) {
  UniqueFd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!sock) throw errno_error("netlink socket", errno);
  const std::vector<char>& request = message.finish();
  char reply[8192];
  auto start = std::chrono::steady_clock::now();
  if (::send(sock.get(), request.data(), request.size(), 0) < 0) throw errno_error("netlink send", errno);
  ssize_t n = ::recv(sock.get(), reply, sizeof reply, 0);
  auto end = std::chrono::steady_clock::now();
  if (n < static_cast<ssize_t>(NLMSG_HDRLEN + sizeof(nlmsgerr))) throw std::runtime_error("netlink: short reply");
  const auto* header = reinterpret_cast<const nlmsghdr*>(reply);
  const auto* ack = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
  if (header->nlmsg_type != NLMSG_ERROR || ack->error != 0) throw errno_error(what, -ack->error);
  return std::chrono::duration<double>(end - start).count();
}

// An RTM_NEWLINK creating link `name` of `kind`, open at its IFLA_INFO_DATA: the caller adds the kind's
// attributes, then closes the two nests (end_attr(data), end_attr(linkinfo)).
struct NewLink {
  Message message{RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL};
  size_t linkinfo = 0, data = 0;

  NewLink(const std::string& name, const std::string& kind) {
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    message.append(&info, sizeof info);
    message.attr(IFLA_IFNAME, name);
    linkinfo = message.begin_attr(IFLA_LINKINFO);
    message.attr(IFLA_INFO_KIND, kind);
    data = message.begin_attr(IFLA_INFO_DATA);
  }
  Message& close() {
    message.end_attr(data);
    message.end_attr(linkinfo);
    return message;
  }
};

}  // namespace

double timed_veth_create(const std::string& host_name, const std::string& peer_name, int netns_fd) {
  NewLink link(host_name, "veth");
  Message& m = link.message;
  size_t peer = m.begin_attr(VETH_INFO_PEER);
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  m.append(&info, sizeof info);
  m.attr(IFLA_IFNAME, peer_name);
  m.attr(IFLA_NET_NS_FD, &netns_fd, sizeof netns_fd);
  m.end_attr(peer);
  return timed_request(link.close(), "RTM_NEWLINK veth " + host_name);
}

double timed_link_delete(const std::string& ifname) {
  unsigned index = ::if_nametoindex(ifname.c_str());
  if (index == 0) throw std::runtime_error("no link " + ifname);
  Message m(RTM_DELLINK, 0);
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = static_cast<int>(index);
  m.append(&info, sizeof info);
  return timed_request(m, "RTM_DELLINK " + ifname);
}

bool kernel_has_bridge_vlan_filtering() {
  const std::string probe = "nxbench-vlan";
  NewLink link(probe, "bridge");
  const uint8_t on = 1;
  link.message.attr(IFLA_BR_VLAN_FILTERING, &on, sizeof on);
  try {
    timed_request(link.close(), "RTM_NEWLINK bridge vlan_filtering 1");
  } catch (const std::runtime_error&) {
    return false;  // EOPNOTSUPP: the kernel is built without CONFIG_BRIDGE_VLAN_FILTERING (and made no bridge)
  }
  timed_link_delete(probe);
  return true;
}

}  // namespace nexus::bench
