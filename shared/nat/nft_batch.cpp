#include "shared/nat/nft_batch.h"

#include <netinet/in.h>  // first: linux/netfilter.h defines struct in_addr itself unless libc's is there
// (blank line: keeps the formatter from sorting it after the others)

#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
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
#include "shared/net/nl_ptr.h"  // CFree
#include "shared/util/unique_fd.h"

namespace nexus::nat {
namespace {

// One message of one element is a few hundred bytes; libnftnl writes attributes without bounds checks, so each
// is built in a buffer far larger than it can get.
constexpr size_t kMessageRoom = 8192;
// nfnetlink runs the whole batch inside sendmsg(), so the answers are queued when it returns; this only bounds
// the wait should a kernel ever answer later.
constexpr auto kAnswerTimeout = std::chrono::seconds(5);

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

// Reads the kernel's answers to messages 1..count (each asked for an ACK) until every one has its answer; returns
// the first error among them, 0 when all were acknowledged.
int read_answers(const UniqueFd& fd, uint32_t count) {
  const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  alignas(nlmsghdr) std::array<char, 16384> buf;
  uint32_t answered = 0;
  int first_error = 0;
  while (answered < count) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{.fd = fd.get(), .events = POLLIN, .revents = 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0)
        throw Error(Code::Internal, "nf_tables: no answer to the batch from the kernel");
      continue;
    }
    if (n < 0) throw sys_error("nf_tables: read the batch's answer", errno);
    int len = static_cast<int>(n);
    // libnl's walkers: the kernel headers' NLMSG_OK compares a signed length with an unsigned one.
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < 1 || h->nlmsg_seq > count) continue;
      const auto* answer = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
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

void NftBatch::append(uint16_t type, uint16_t flags, const SetElement& element) {
  const std::unique_ptr<nftnl_set, net::CFree<nftnl_set_free>> set(nftnl_set_alloc());
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  if (!set || e == nullptr) throw Error(Code::Internal, "nf_tables: out of memory");
  nftnl_set_elem_add(set.get(), e);  // the set owns it from here
  nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, table_.c_str());
  nftnl_set_set_str(set.get(), NFTNL_SET_NAME, element.set.c_str());
  const std::vector<uint8_t>& key = element.key.bytes();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
  if (!element.jump.empty()) {
    nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, static_cast<uint32_t>(NFT_JUMP));
    nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, element.jump.c_str());
  }
  if (!element.comment.empty()) {
    // nft's layout: one TLV, the comment with its terminating NUL.
    const std::unique_ptr<nftnl_udata_buf, net::CFree<nftnl_udata_buf_free>> udata(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
    if (!udata || !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_SET_ELEM_COMMENT, element.comment.c_str()))
      throw Error(Code::Internal, "nf_tables: element comment \"" + element.comment + "\" does not fit");
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(udata.get()), nftnl_udata_buf_len(udata.get()));
  }
  alignas(nlmsghdr) std::array<char, kMessageRoom> room;
  const uint16_t family = family_ == Family::Inet ? NFPROTO_INET : NFPROTO_BRIDGE;
  nlmsghdr* h = nftnl_nlmsg_build_hdr(room.data(), type, family, flags | NLM_F_ACK, ++count_);
  nftnl_set_elems_nlmsg_build_payload(h, set.get());
  messages_.insert(messages_.end(), room.data(), room.data() + NLMSG_ALIGN(h->nlmsg_len));
}

void NftBatch::create(const SetElement& element) { append(NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, element); }

void NftBatch::remove(const SetElement& element) {
  SetElement key_only{.set = element.set, .key = element.key, .jump = {}, .comment = {}};
  append(NFT_MSG_DELSETELEM, 0, key_only);
}

int NftBatch::commit() const {
  if (count_ == 0) return 0;
  // BATCH_BEGIN (sequence 0) + the messages + BATCH_END (count_ + 1): all or nothing.
  alignas(nlmsghdr) std::array<char, 64> edge;
  std::vector<char> batch;
  const nlmsghdr* begin = nftnl_batch_begin(edge.data(), 0);
  batch.insert(batch.end(), edge.data(), edge.data() + NLMSG_ALIGN(begin->nlmsg_len));
  batch.insert(batch.end(), messages_.begin(), messages_.end());
  const nlmsghdr* end = nftnl_batch_end(edge.data(), count_ + 1);
  batch.insert(batch.end(), edge.data(), edge.data() + NLMSG_ALIGN(end->nlmsg_len));
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

}  // namespace nexus::nat
