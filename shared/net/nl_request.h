#pragma once
// Small helpers to build and send rtnetlink requests with libnl where its object API lacks an attribute we need
// (bridge forward delay, veth peer in another netns in one request, bridge port flags).
#include <linux/rtnetlink.h>

#include <functional>
#include <string>

#include "shared/net/nl_ptr.h"
#include "shared/net/nl_socket.h"

namespace nexus::net {

/// A RTM_*LINK message with the given netlink flags and ifinfomsg header.
NlMsgPtr link_message(int type, int flags, const ifinfomsg& header);

/// Sends `msg` and waits for the kernel's ack. Returns 0 or a negative libnl error code.
int send_and_wait_ack(const NlSocket& sock, NlMsgPtr msg);

/// Sends `msg` and waits for the ack; throws nl_error("<verb> <object> '<name>'") on failure.
void send_or_throw(const NlSocket& sock, NlMsgPtr msg, const std::string& verb, const std::string& object,
                   const std::string& name);

/// Sends a request for one object (an RTM_GET* without NLM_F_DUMP) and returns the kernel's reply message, then
/// waits for the ack. Returns 0 or a negative libnl error code (the kernel's, e.g. -NLE_NODEV for a missing link).
/// The reply is handed back whole, to be parsed outside libnl's callbacks (nothing may throw through them).
int request_reply(const NlSocket& sock, NlMsgPtr request, NlMsgPtr& reply);

/// The kernel's RTM_NEWLINK answer for link `index`, parsed by the caller (request_reply); null when there is no
/// such link. Other failures throw nl_error naming `what`.
NlMsgPtr get_link_reply(const NlSocket& sock, int index, const std::string& what);

/// Sends a dump request and calls `on_object` for every parsed libnl object of the reply. Retries a dump
/// interrupted by a concurrent change a few times, then throws code 11.
void dump(const NlSocket& sock, const std::function<NlMsgPtr()>& make_request,
          const std::function<void(nl_object*)>& on_object, const std::string& what);

/// Sends a dump request and hands every reply message, raw, to `on_message` once the dump completed (outside
/// libnl's callbacks, so it may throw): for replies libnl's objects do not decode (AF_BRIDGE port VLANs).
/// Retries an interrupted dump as dump() does.
void dump_messages(const NlSocket& sock, const std::function<NlMsgPtr()>& make_request,
                   const std::function<void(nl_msg*)>& on_message, const std::string& what);

/// IFLA_LINKINFO with IFLA_INFO_KIND `kind`, opened at its IFLA_INFO_DATA for the kind's attributes; close
/// both with end_link_info().
struct LinkInfoNest {
  nlattr* info;
  nlattr* data;
};
LinkInfoNest begin_link_info(nl_msg* m, const char* kind);
void end_link_info(nl_msg* m, LinkInfoNest nest);

/// Throws if a nla_put/nlmsg_append returned an error (the message buffer is too small).
void check_put(int err, const char* what);

}  // namespace nexus::net
