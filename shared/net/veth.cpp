#include "shared/net/veth.h"

#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>

#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"
#include "shared/util/undo.h"

namespace nexus::net {
namespace {

// One TX and one RX queue, as the kernel ends up giving a veth anyway (veth_init_queues), but asked for at
// creation: without them, the kernel allocates a queue per CPU, then cuts the registered device down to one,
// which waits for an RCU grace period (synchronize_net) while it holds the rtnl lock. perf showed that wait to
// serialise concurrent ADDs: every other netlink request of the host waited behind it.
void put_single_queue(nl_msg* m) {
  check_put(nla_put_u32(m, IFLA_NUM_TX_QUEUES, 1), "IFLA_NUM_TX_QUEUES");
  check_put(nla_put_u32(m, IFLA_NUM_RX_QUEUES, 1), "IFLA_NUM_RX_QUEUES");
}

// The peer's attributes are a complete ifinfomsg plus attributes nested inside VETH_INFO_PEER.
void put_peer(nl_msg* m, const VethSpec& spec, int netns_fd) {
  nlattr* peer = nla_nest_start(m, VETH_INFO_PEER);
  check_put(peer == nullptr ? -NLE_NOMEM : 0, "VETH_INFO_PEER");
  // No IFF_UP here: the kernel configures the peer before pairing it, and opening an unpaired veth fails
  // with ENOTCONN. The peer is brought up afterwards through the container socket.
  ifinfomsg header{};
  check_put(nlmsg_append(m, &header, sizeof header, NLMSG_ALIGNTO), "peer ifinfomsg");
  check_put(nla_put_string(m, IFLA_IFNAME, spec.peer_name.c_str()), "peer IFLA_IFNAME");
  check_put(nla_put_u32(m, IFLA_NET_NS_FD, static_cast<uint32_t>(netns_fd)), "IFLA_NET_NS_FD");
  if (spec.mtu != 0) check_put(nla_put_u32(m, IFLA_MTU, spec.mtu), "peer IFLA_MTU");
  put_single_queue(m);
  if (spec.peer_mac) check_put(nla_put(m, IFLA_ADDRESS, 6, spec.peer_mac->data()), "peer IFLA_ADDRESS");
  nla_nest_end(m, peer);
}

NlMsgPtr veth_create_message(const VethSpec& spec, int netns_fd) {
  ifinfomsg header{};
  header.ifi_flags = spec.up ? unsigned{IFF_UP} : 0u;
  header.ifi_change = IFF_UP;
  NlMsgPtr msg = link_message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, header);
  nl_msg* m = msg.get();
  check_put(nla_put_string(m, IFLA_IFNAME, spec.host_name.c_str()), "IFLA_IFNAME");
  if (spec.mtu != 0) check_put(nla_put_u32(m, IFLA_MTU, spec.mtu), "IFLA_MTU");
  put_single_queue(m);
  // The kernel enslaves a new link to IFLA_MASTER in the creating request, saving a round trip.
  if (spec.master_index > 0) check_put(nla_put_u32(m, IFLA_MASTER, static_cast<uint32_t>(spec.master_index)), "IFLA_MASTER");
  const LinkInfoNest nest = begin_link_info(m, "veth");
  put_peer(m, spec, netns_fd);
  end_link_info(m, nest);
  return msg;
}

void validate(const VethSpec& spec) {
  for (const std::string* name : {&spec.host_name, &spec.peer_name}) {
    if (name->empty() || name->size() >= IFNAMSIZ || name->find_first_of("/ \t\n:") != std::string::npos) {
      throw Error(Code::InvalidConfig, "invalid interface name '" + *name + "'");
    }
  }
}

// EEXIST does not say which side clashed; look, so the message names the interface the user must fix.
Error explain_exists(const NlSocket& host, const NlSocket& container, const VethSpec& spec) {
  if (find_link(container, spec.peer_name)) {
    return Error(Code::Internal, "container interface '" + spec.peer_name + "' already exists");
  }
  if (find_link(host, spec.host_name)) {
    return Error(Code::Internal, "host interface '" + spec.host_name + "' already exists");
  }
  return nl_error("create", "veth", spec.host_name, -NLE_EXIST);
}

}  // namespace

VethPair create_veth(const NlSocket& host, const NlSocket& container, const Netns& container_netns,
                     const VethSpec& spec) {
  validate(spec);
  const int err = send_and_wait_ack(host, veth_create_message(spec, container_netns.fd()));
  if (err == -NLE_EXIST) throw explain_exists(host, container, spec);
  if (err < 0) throw nl_error("create", "veth", spec.host_name, err);
  Undo undo;
  undo.push("delete veth " + spec.host_name, [&] { delete_link_by_name(host, spec.host_name); });
  Link peer = get_link(container, spec.peer_name);
  if (spec.up && spec.peer_up) {
    set_up(container, peer.index);
    peer.flags |= IFF_UP;
  }
  VethPair pair{get_link(host, spec.host_name), std::move(peer)};
  undo.commit();
  return pair;
}

VethPair create_veth(const Sockets& nl, const VethSpec& spec) {
  return create_veth(nl.host, nl.container, nl.container_netns, spec);
}

}  // namespace nexus::net
