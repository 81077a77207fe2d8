#include "shared/net/nl_request.h"

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/object.h>

#include <vector>

#include "shared/net/nl_error.h"

namespace nexus::net {
namespace {

using CbPtr = std::unique_ptr<nl_cb, CFree<nl_cb_put>>;

using ObjectPtr = std::unique_ptr<nl_object, CFree<nl_object_put>>;

// Objects are kept (with a reference of ours) until the dump completed without interruption.
struct DumpState {
  std::vector<ObjectPtr> objects;
};

void parsed_object(nl_object* obj, void* arg) {
  nl_object_get(obj);
  static_cast<DumpState*>(arg)->objects.emplace_back(obj);
}

int on_valid(nl_msg* msg, void* arg) {
  // Messages of types libnl does not know (none expected) are skipped rather than failing the dump.
  nl_msg_parse(msg, parsed_object, arg);
  return NL_OK;
}

int dump_once(const NlSocket& sock, NlMsgPtr request, DumpState& state) {
  if (const int err = nl_send_auto(sock.get(), request.get()); err < 0) return err;
  const CbPtr socket_cb(nl_socket_get_cb(sock.get()));  // a reference of our own: put it back
  CbPtr cb(nl_cb_clone(socket_cb.get()));
  if (!cb) return -NLE_NOMEM;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &state);
  return nl_recvmsgs(sock.get(), cb.get());
}

// Raw replies of a dump, each with a reference of ours, kept until it completed without interruption.
int keep_message(nl_msg* msg, void* arg) {
  nlmsg_get(msg);
  static_cast<std::vector<NlMsgPtr>*>(arg)->emplace_back(msg);
  return NL_OK;
}

int dump_messages_once(const NlSocket& sock, NlMsgPtr request, std::vector<NlMsgPtr>& messages) {
  if (const int err = nl_send_auto(sock.get(), request.get()); err < 0) return err;
  const CbPtr socket_cb(nl_socket_get_cb(sock.get()));  // a reference of our own: put it back
  CbPtr cb(nl_cb_clone(socket_cb.get()));
  if (!cb) return -NLE_NOMEM;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, keep_message, &messages);
  return nl_recvmsgs(sock.get(), cb.get());
}

// Keeps (a reference to) the first reply and stops: a request for one object gets one reply, then the ack.
int keep_reply(nl_msg* msg, void* arg) {
  nlmsg_get(msg);
  static_cast<NlMsgPtr*>(arg)->reset(msg);
  return NL_STOP;
}

}  // namespace

NlMsgPtr link_message(int type, int flags, const ifinfomsg& header) {
  NlMsgPtr msg(nlmsg_alloc_simple(type, flags));
  if (!msg) throw Error(Code::Internal, "allocate netlink message: out of memory");
  ifinfomsg copy = header;
  check_put(nlmsg_append(msg.get(), &copy, sizeof copy, NLMSG_ALIGNTO), "ifinfomsg");
  return msg;
}

int send_and_wait_ack(const NlSocket& sock, NlMsgPtr msg) {
  return nl_send_sync(sock.get(), msg.release());  // nl_send_sync frees the message
}

void send_or_throw(const NlSocket& sock, NlMsgPtr msg, const std::string& verb, const std::string& object,
                   const std::string& name) {
  if (const int err = send_and_wait_ack(sock, std::move(msg)); err < 0) throw nl_error(verb, object, name, err);
}

int request_reply(const NlSocket& sock, NlMsgPtr request, NlMsgPtr& reply) {
  reply.reset();
  if (const int err = nl_send_auto(sock.get(), request.get()); err < 0) return err;
  const CbPtr socket_cb(nl_socket_get_cb(sock.get()));  // a reference of our own: put it back
  CbPtr cb(nl_cb_clone(socket_cb.get()));
  if (!cb) return -NLE_NOMEM;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, keep_reply, &reply);
  if (const int err = nl_recvmsgs(sock.get(), cb.get()); err < 0) return err;  // the kernel's error, if it refused
  if (!reply) return -NLE_PARSE_ERR;  // acked without an answer: not what a GET does
  return nl_wait_for_ack(sock.get());
}

LinkInfoNest begin_link_info(nl_msg* m, const char* kind) {
  nlattr* info = nla_nest_start(m, IFLA_LINKINFO);
  check_put(info == nullptr ? -NLE_NOMEM : 0, "IFLA_LINKINFO");
  check_put(nla_put_string(m, IFLA_INFO_KIND, kind), "IFLA_INFO_KIND");
  nlattr* data = nla_nest_start(m, IFLA_INFO_DATA);
  check_put(data == nullptr ? -NLE_NOMEM : 0, "IFLA_INFO_DATA");
  return {info, data};
}

void end_link_info(nl_msg* m, LinkInfoNest nest) {
  nla_nest_end(m, nest.data);
  nla_nest_end(m, nest.info);
}

NlMsgPtr get_link_reply(const NlSocket& sock, int index, const std::string& what) {
  ifinfomsg header{};
  header.ifi_index = index;
  NlMsgPtr reply;
  const int err = request_reply(sock, link_message(RTM_GETLINK, NLM_F_REQUEST, header), reply);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return nullptr;
  if (err < 0) throw nl_error("get", what, "#" + std::to_string(index), err);
  return reply;
}

void dump(const NlSocket& sock, const std::function<NlMsgPtr()>& make_request,
          const std::function<void(nl_object*)>& on_object, const std::string& what) {
  constexpr int kAttempts = 5;
  int err = 0;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    DumpState state;
    err = dump_once(sock, make_request(), state);
    if (err >= 0) {
      for (const ObjectPtr& obj : state.objects) on_object(obj.get());
      return;
    }
    // An interrupted dump may be partial or inconsistent: start over rather than hand out half a list.
    if (err != -NLE_DUMP_INTR) break;
  }
  throw nl_error("dump", what, "", err);
}

void dump_messages(const NlSocket& sock, const std::function<NlMsgPtr()>& make_request,
                   const std::function<void(nl_msg*)>& on_message, const std::string& what) {
  constexpr int kAttempts = 5;
  int err = 0;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::vector<NlMsgPtr> messages;
    err = dump_messages_once(sock, make_request(), messages);
    if (err >= 0) {
      for (const NlMsgPtr& msg : messages) on_message(msg.get());
      return;
    }
    if (err != -NLE_DUMP_INTR) break;  // an interrupted dump may be partial: start over
  }
  throw nl_error("dump", what, "", err);
}

void check_put(int err, const char* what) {
  if (err < 0) throw Error(Code::Internal, std::string("build netlink message: ") + what + ": " +
                                                      nl_geterror(err));
}

}  // namespace nexus::net
