#include "shared/nat/nft_batch.h"

#include <netinet/in.h>  // first: linux/netfilter.h defines struct in_addr itself unless libc's is there
// (blank line: keeps the formatter from sorting it after the others)

#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "shared/base/error.h"
#include "shared/net/link.h"    // parse_mac
#include "shared/net/nl_ptr.h"  // NlMsgPtr
#include "shared/util/unique_fd.h"

namespace nexus::nat {
namespace {

// nft's userdata type for an element's comment (libnftnl's NFTNL_UDATA_SET_ELEM_COMMENT): nft lists the comment
// only when it sits in this TLV.
constexpr uint8_t kUserdataComment = 0;
// nfnetlink runs the whole batch inside sendmsg(), so the answers are queued when it returns; this only bounds
// the wait should a kernel ever answer later.
constexpr auto kAnswerTimeout = std::chrono::seconds(5);

// A message with nfnetlink's header (family, version, resource id: the subsystem for a batch's edges).
net::NlMsgPtr new_message(uint16_t type, uint16_t flags, uint32_t sequence, uint8_t family, uint16_t resource) {
  net::NlMsgPtr msg(nlmsg_alloc());
  if (!msg) throw Error(Code::Internal, "nf_tables: out of memory");
  nlmsghdr* h = nlmsg_put(msg.get(), NL_AUTO_PORT, sequence, type, sizeof(nfgenmsg), flags);
  if (h == nullptr) throw Error(Code::Internal, "nf_tables: out of memory");
  auto* header = static_cast<nfgenmsg*>(nlmsg_data(h));
  header->nfgen_family = family;
  header->version = NFNETLINK_V0;
  header->res_id = htons(resource);
  return msg;
}

void append_message(std::vector<char>& out, const net::NlMsgPtr& msg) {
  const nlmsghdr* h = nlmsg_hdr(msg.get());
  const auto* bytes = reinterpret_cast<const char*>(h);
  out.insert(out.end(), bytes, bytes + NLMSG_ALIGN(h->nlmsg_len));
}

UniqueFd open_socket() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!fd) throw sys_error("nf_tables: open netlink socket", errno);
  return fd;
}

void send_all(const UniqueFd& fd, const std::vector<char>& batch) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const ssize_t sent = ::sendto(fd.get(), batch.data(), batch.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
                                sizeof kernel);
  if (sent < 0) throw sys_error("nf_tables: send batch", errno);
  if (static_cast<size_t>(sent) != batch.size()) throw Error(Code::Internal, "nf_tables: batch sent only in part");
}

using AnswerBuffer = std::array<char, 16384>;

// Receives the next datagram of the kernel's answer to `what` into `buf` before `deadline`; returns its length.
int receive_answer(const UniqueFd& fd, AnswerBuffer& buf, std::chrono::steady_clock::time_point deadline,
                   const std::string& what) {
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) return static_cast<int>(n);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{.fd = fd.get(), .events = POLLIN, .revents = 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0)
        throw Error(Code::Internal, "nf_tables: no answer to " + what + " from the kernel");
      continue;
    }
    throw sys_error("nf_tables: read the answer to " + what, n < 0 ? errno : EPROTO);
  }
}

// Reads the kernel's answers to messages 1..count (each asked for an ACK) until every one has its answer; returns
// the first error among them, 0 when all were acknowledged.
int read_answers(const UniqueFd& fd, uint32_t count) {
  const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  alignas(nlmsghdr) AnswerBuffer buf;
  uint32_t answered = 0;
  int first_error = 0;
  while (answered < count) {
    int len = receive_answer(fd, buf, deadline, "the batch");
    // libnl's walkers: the kernel headers' NLMSG_OK compares a signed length with an unsigned one.
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq > count) continue;
      const auto* answer = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
      // An error for BATCH_BEGIN (sequence 0): the kernel refused the whole batch before reading its messages
      // (ERESTART for a generation that is no more); nothing else will come.
      if (h->nlmsg_seq == 0) {
        if (answer->error != 0) return -answer->error;
        continue;
      }
      ++answered;
      if (answer->error != 0 && first_error == 0) first_error = -answer->error;
    }
  }
  return first_error;
}

}  // namespace

ElementKey& ElementKey::ifname(const std::string& name) {
  if (name.size() >= IFNAMSIZ)
    throw Error(Code::InvalidConfig, "interface name \"" + name + "\" is longer than " +
                                         std::to_string(IFNAMSIZ - 1) + " characters");
  std::array<uint8_t, IFNAMSIZ> field{};
  std::memcpy(field.data(), name.data(), name.size());
  bytes_.insert(bytes_.end(), field.begin(), field.end());
  return *this;
}

ElementKey& ElementKey::address(const IpAddress& a) {
  std::array<uint8_t, 16> field{};
  a.to_bytes(field.data());
  bytes_.insert(bytes_.end(), field.begin(), field.begin() + (a.is_v4() ? 4 : 16));
  return *this;
}

ElementKey& ElementKey::mark(uint32_t value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  bytes_.insert(bytes_.end(), p, p + sizeof value);
  return *this;
}

ElementKey& ElementKey::ether(const std::string& mac) {
  const std::array<unsigned char, 6> bytes = net::parse_mac(mac);
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  bytes_.insert(bytes_.end(), 2, 0);  // each field of a concatenation takes whole 32-bit registers
  return *this;
}

// The message layout is nf_tables' (linux/netfilter/nf_tables.h), as nft sends it: the list names table and set,
// then one nested element with its key, its verdict (a map's value) and its userdata.
void NftBatch::append(uint16_t type, uint16_t flags, const SetElement& element) {
  const uint8_t family = family_ == Family::Inet ? NFPROTO_INET : NFPROTO_BRIDGE;
  const net::NlMsgPtr msg = new_message(static_cast<uint16_t>(NFNL_SUBSYS_NFTABLES << 8 | type),
                                   flags | NLM_F_REQUEST | NLM_F_ACK, ++count_, family, 0);
  nl_msg* m = msg.get();
  const std::vector<uint8_t>& key = element.key.bytes();
  bool fits = nla_put_string(m, NFTA_SET_ELEM_LIST_SET, element.set.c_str()) == 0 &&
              nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, table_.c_str()) == 0;
  nlattr* elements = nla_nest_start(m, NLA_F_NESTED | NFTA_SET_ELEM_LIST_ELEMENTS);
  nlattr* one = nla_nest_start(m, NLA_F_NESTED | NFTA_LIST_ELEM);
  nlattr* key_nest = nla_nest_start(m, NLA_F_NESTED | NFTA_SET_ELEM_KEY);
  fits = fits && elements != nullptr && one != nullptr && key_nest != nullptr &&
         nla_put(m, NFTA_DATA_VALUE, static_cast<int>(key.size()), key.data()) == 0 && nla_nest_end(m, key_nest) == 0;
  if (fits && !element.jump.empty()) {
    nlattr* data = nla_nest_start(m, NLA_F_NESTED | NFTA_SET_ELEM_DATA);
    nlattr* verdict = nla_nest_start(m, NLA_F_NESTED | NFTA_DATA_VERDICT);
    fits = data != nullptr && verdict != nullptr &&
           nla_put_u32(m, NFTA_VERDICT_CODE, htonl(static_cast<uint32_t>(NFT_JUMP))) == 0 &&
           nla_put_string(m, NFTA_VERDICT_CHAIN, element.jump.c_str()) == 0 && nla_nest_end(m, verdict) == 0 &&
           nla_nest_end(m, data) == 0;
  }
  if (fits && !element.comment.empty()) {
    // nft's layout: one TLV, the comment with its terminating NUL.
    if (element.comment.size() + 1 > UINT8_MAX || element.comment.size() + 3 > NFT_USERDATA_MAXLEN)
      throw Error(Code::Internal, "nf_tables: element comment \"" + element.comment + "\" does not fit");
    std::vector<uint8_t> tlv{kUserdataComment, static_cast<uint8_t>(element.comment.size() + 1)};
    tlv.insert(tlv.end(), element.comment.begin(), element.comment.end());
    tlv.push_back(0);
    fits = nla_put(m, NFTA_SET_ELEM_USERDATA, static_cast<int>(tlv.size()), tlv.data()) == 0;
  }
  fits = fits && nla_nest_end(m, one) == 0 && nla_nest_end(m, elements) == 0;
  if (!fits) throw Error(Code::Internal, "nf_tables: element of set " + element.set + " does not fit a message");
  append_message(messages_, msg);
}

net::NlMsgPtr new_nft_message(uint16_t type, uint16_t flags, uint8_t family, uint32_t sequence) {
  return new_message(static_cast<uint16_t>(NFNL_SUBSYS_NFTABLES << 8 | type), flags | NLM_F_REQUEST, sequence,
                     family, 0);
}

void NftBatch::add(net::NlMsgPtr message) {
  nlmsghdr* h = nlmsg_hdr(message.get());
  h->nlmsg_seq = ++count_;
  h->nlmsg_flags |= NLM_F_ACK;
  append_message(messages_, message);
}

void NftBatch::create(const SetElement& element) { append(NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, element); }

void NftBatch::remove(const SetElement& element) {
  SetElement key_only{.set = element.set, .key = element.key, .jump = {}, .comment = {}};
  append(NFT_MSG_DELSETELEM, 0, key_only);
}

int NftBatch::commit() const {
  if (count_ == 0) return 0;
  // BATCH_BEGIN (sequence 0) + the messages + BATCH_END (count_ + 1): all or nothing.
  std::vector<char> batch;
  const net::NlMsgPtr begin = new_message(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
  // nfnetlink reads the generation in host order from a big-endian attribute: the kernel's bytes as they came.
  if (generation_ && nla_put_u32(begin.get(), NFNL_BATCH_GENID, *generation_) != 0)
    throw Error(Code::Internal, "nf_tables: out of memory");
  append_message(batch, begin);
  batch.insert(batch.end(), messages_.begin(), messages_.end());
  append_message(batch, new_message(NFNL_MSG_BATCH_END, NLM_F_REQUEST, count_ + 1, AF_UNSPEC, NFNL_SUBSYS_NFTABLES));
  const UniqueFd fd = open_socket();
  send_all(fd, batch);
  return read_answers(fd, count_);
}

bool NftBatch::try_commit() const {
  try {
    return commit() == 0;
  } catch (const Error&) {
    return false;
  }
}

int nft_request(net::NlMsgPtr request, const std::function<bool(const nlmsghdr&)>& on_answer) {
  nlmsghdr* header = nlmsg_hdr(request.get());
  header->nlmsg_seq = 1;
  header->nlmsg_flags |= NLM_F_ACK;  // a plain request ends with its ACK, a dump with DONE
  std::vector<char> bytes;
  append_message(bytes, request);
  const UniqueFd fd = open_socket();
  send_all(fd, bytes);
  const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  alignas(nlmsghdr) AnswerBuffer buf;
  for (;;) {
    int len = receive_answer(fd, buf, deadline, "a request");
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
      if (h->nlmsg_seq != 1) continue;
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) return -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
      if (!on_answer(*h)) return 0;
    }
  }
}

uint32_t ruleset_generation() {
  std::optional<uint32_t> generation;
  const int error = nft_request(new_nft_message(NFT_MSG_GETGEN, 0, AF_UNSPEC), [&](const nlmsghdr& h) {
    nlattr* attrs[NFTA_GEN_MAX + 1] = {};
    if (nlmsg_parse(const_cast<nlmsghdr*>(&h), sizeof(nfgenmsg), attrs, NFTA_GEN_MAX, nullptr) == 0 &&
        attrs[NFTA_GEN_ID] != nullptr)
      generation = nla_get_u32(attrs[NFTA_GEN_ID]);
    return true;
  });
  if (error != 0) throw sys_error("nf_tables: read the ruleset's generation", error);
  if (!generation) throw Error(Code::Internal, "nf_tables: the kernel gave no ruleset generation");
  return *generation;
}

bool table_exists(NftBatch::Family family, const std::string& table) {
  const uint8_t nf_family = family == NftBatch::Family::Inet ? NFPROTO_INET : NFPROTO_BRIDGE;
  const net::NlMsgPtr msg = new_nft_message(NFT_MSG_GETTABLE, NLM_F_ACK, nf_family, 1);
  if (nla_put_string(msg.get(), NFTA_TABLE_NAME, table.c_str()) != 0)
    throw Error(Code::Internal, "nf_tables: table name " + table + " does not fit a message");
  std::vector<char> request;
  append_message(request, msg);
  // A kernel without nfnetlink or nf_tables has no table at all.
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!fd && errno == EPROTONOSUPPORT) return false;
  if (!fd) throw sys_error("nf_tables: open netlink socket", errno);
  send_all(fd, request);
  // The kernel answers a table it has with its NEWTABLE message and then the ACK; one it has not with ENOENT.
  const int error = read_answers(fd, 1);
  if (error == ENOENT || error == EOPNOTSUPP) return false;
  if (error != 0) throw sys_error("nf_tables: look up table " + table, error);
  return true;
}

}  // namespace nexus::nat
