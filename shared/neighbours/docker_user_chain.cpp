#include "shared/neighbours/docker_user_chain.h"

#include <netinet/in.h>  // first: linux/netfilter.h defines struct in_addr itself unless libc's is there
// (blank line: keeps the formatter from sorting it after the others)

#include <endian.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "shared/base/error.h"
#include "shared/nat/nft_batch.h"
#include "shared/net/bridge.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"
#include "shared/util/unique_fd.h"

namespace nexus::neighbours {
namespace {

constexpr const char* kTable = "filter";  // iptables' filter table, where Docker made its chain
// iptables-nft's (and nft's) userdata type of a rule's comment (libnftnl's NFTNL_UDATA_RULE_COMMENT).
constexpr uint8_t kUserdataComment = 0;
constexpr int kAnswerTimeoutMs = 5000;

enum class Kind { FromBridge, EstablishedToBridge };
constexpr std::array<Kind, 2> kKinds = {Kind::FromBridge, Kind::EstablishedToBridge};

// The families in which Docker makes the chain: ip always (with its default iptables=true), ip6 with ip6tables.
constexpr std::array<uint8_t, 2> kFamilies = {NFPROTO_IPV4, NFPROTO_IPV6};

std::string comment_of(const std::string& interface, Kind kind) {
  return kind == Kind::FromBridge ? from_bridge_comment(interface) : established_to_bridge_comment(interface);
}

// One rule of ours, as a dump of the chain shows it.
struct OurRule {
  uint8_t family;
  uint64_t handle;
  Kind kind;
};

// The DOCKER-USER chains of both families and our rules for one interface in them.
struct Chains {
  std::array<bool, 2> exists{};  // by kFamilies' order
  std::vector<OurRule> ours;

  bool any() const { return exists[0] || exists[1]; }
  bool has(uint8_t family, Kind kind) const {
    for (const OurRule& r : ours)
      if (r.family == family && r.kind == kind) return true;
    return false;
  }
};

size_t family_slot(uint8_t family) { return family == NFPROTO_IPV4 ? 0 : 1; }

void put(int err, const char* what) {
  if (err < 0) throw Error(Code::Internal, std::string("nf_tables: ") + what + " does not fit a message");
}

// `name` with its NUL, as iptables-nft compares an interface name that has no wildcard.
std::vector<char> ifname_bytes(const std::string& name) {
  return std::vector<char>(name.c_str(), name.c_str() + name.size() + 1);
}

// The userdata TLV of a comment, as iptables-nft and nft write it.
std::vector<uint8_t> comment_userdata(const std::string& comment) {
  if (comment.size() + 1 > UINT8_MAX) throw Error(Code::InvalidConfig, "rule comment \"" + comment + "\" is too long");
  std::vector<uint8_t> tlv{kUserdataComment, static_cast<uint8_t>(comment.size() + 1)};
  tlv.insert(tlv.end(), comment.begin(), comment.end());
  tlv.push_back(0);
  return tlv;
}

// The comment in a rule's userdata, "" when it has none.
std::string comment_in(const nlattr* userdata) {
  const auto* p = static_cast<const uint8_t*>(nla_data(userdata));
  const int len = nla_len(userdata);
  for (int at = 0; at + 2 <= len;) {
    const uint8_t type = p[at], size = p[at + 1];
    if (at + 2 + size > len) break;
    const auto* text = reinterpret_cast<const char*>(p + at + 2);
    if (type == kUserdataComment && size > 0) return std::string(text, strnlen(text, size));
    at += 2 + size;
  }
  return "";
}

// Expressions of a rule: each an NFTA_LIST_ELEM holding its name and its data.
class Expressions {
 public:
  explicit Expressions(nl_msg* m) : m_(m), list_(nla_nest_start(m, NLA_F_NESTED | NFTA_RULE_EXPRESSIONS)) {
    if (list_ == nullptr) put(-1, "rule expressions");
  }
  // meta load iifname/oifname => reg 1; cmp eq reg 1 "<name>\0"
  void interface_is(uint32_t meta_key, const std::string& name) {
    nlattr* data = begin("meta");
    put(nla_put_u32(m_, NFTA_META_KEY, htonl(meta_key)), "meta key");
    put(nla_put_u32(m_, NFTA_META_DREG, htonl(NFT_REG_1)), "meta register");
    end(data);
    data = begin("cmp");
    put(nla_put_u32(m_, NFTA_CMP_SREG, htonl(NFT_REG_1)), "cmp register");
    put(nla_put_u32(m_, NFTA_CMP_OP, htonl(NFT_CMP_EQ)), "cmp op");
    nlattr* value = nla_nest_start(m_, NLA_F_NESTED | NFTA_CMP_DATA);
    if (value == nullptr) put(-1, "cmp data");
    const std::vector<char> bytes = ifname_bytes(name);
    put(nla_put(m_, NFTA_DATA_VALUE, static_cast<int>(bytes.size()), bytes.data()), "cmp value");
    nla_nest_end(m_, value);
    end(data);
  }
  // -m conntrack --ctstate RELATED,ESTABLISHED: the xtables match (revision 3) as iptables-nft hands it over.
  void established_or_related() {
    xt_conntrack_mtinfo3 info{};
    info.match_flags = XT_CONNTRACK_STATE;
    info.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) | XT_CONNTRACK_STATE_BIT(IP_CT_RELATED);
    std::vector<char> bytes(XT_ALIGN(sizeof info), 0);
    std::memcpy(bytes.data(), &info, sizeof info);
    nlattr* data = begin("match");
    put(nla_put_string(m_, NFTA_MATCH_NAME, "conntrack"), "match name");
    put(nla_put_u32(m_, NFTA_MATCH_REV, htonl(3)), "match revision");
    put(nla_put(m_, NFTA_MATCH_INFO, static_cast<int>(bytes.size()), bytes.data()), "match info");
    end(data);
  }
  void counter() {
    nlattr* data = begin("counter");
    put(nla_put_u64(m_, NFTA_COUNTER_BYTES, htobe64(0)), "counter bytes");
    put(nla_put_u64(m_, NFTA_COUNTER_PACKETS, htobe64(0)), "counter packets");
    end(data);
  }
  void accept() {
    nlattr* data = begin("immediate");
    put(nla_put_u32(m_, NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT)), "immediate register");
    nlattr* value = nla_nest_start(m_, NLA_F_NESTED | NFTA_IMMEDIATE_DATA);
    nlattr* verdict = nla_nest_start(m_, NLA_F_NESTED | NFTA_DATA_VERDICT);
    if (value == nullptr || verdict == nullptr) put(-1, "verdict");
    put(nla_put_u32(m_, NFTA_VERDICT_CODE, htonl(NF_ACCEPT)), "verdict code");
    nla_nest_end(m_, verdict);
    nla_nest_end(m_, value);
    end(data);
  }
  void finish() { nla_nest_end(m_, list_); }

 private:
  nlattr* begin(const char* name) {
    element_ = nla_nest_start(m_, NLA_F_NESTED | NFTA_LIST_ELEM);
    if (element_ == nullptr) put(-1, name);
    put(nla_put_string(m_, NFTA_EXPR_NAME, name), name);
    nlattr* data = nla_nest_start(m_, NLA_F_NESTED | NFTA_EXPR_DATA);
    if (data == nullptr) put(-1, name);
    return data;
  }
  void end(nlattr* data) {
    nla_nest_end(m_, data);
    nla_nest_end(m_, element_);
  }

  nl_msg* m_;
  nlattr* list_;
  nlattr* element_ = nullptr;
};

void name_chain(nl_msg* m) {
  put(nla_put_string(m, NFTA_RULE_TABLE, kTable), "table");
  put(nla_put_string(m, NFTA_RULE_CHAIN, kDockerUserChain), "chain");
}

// NEWRULE without a position: the kernel inserts it at the chain's head, before Docker's RETURN.
net::NlMsgPtr new_rule(uint8_t family, const std::string& interface, Kind kind) {
  net::NlMsgPtr msg = nat::new_nft_message(NFT_MSG_NEWRULE, NLM_F_CREATE, family);
  nl_msg* m = msg.get();
  name_chain(m);
  Expressions e(m);
  if (kind == Kind::FromBridge) {
    e.interface_is(NFT_META_IIFNAME, interface);
  } else {
    e.interface_is(NFT_META_OIFNAME, interface);
    e.established_or_related();
  }
  e.counter();
  e.accept();
  e.finish();
  const std::vector<uint8_t> userdata = comment_userdata(comment_of(interface, kind));
  put(nla_put(m, NFTA_RULE_USERDATA, static_cast<int>(userdata.size()), userdata.data()), "rule comment");
  return msg;
}

net::NlMsgPtr delete_rule(const OurRule& rule) {
  net::NlMsgPtr msg = nat::new_nft_message(NFT_MSG_DELRULE, 0, rule.family);
  name_chain(msg.get());
  put(nla_put_u64(msg.get(), NFTA_RULE_HANDLE, htobe64(rule.handle)), "rule handle");
  return msg;
}

// Sequence numbers of a look's requests: the chain of each family, and each family's rules.
constexpr uint32_t kChainV4 = 1, kChainV6 = 2, kRulesV4 = 3, kRulesV6 = 4;

void append_request(std::vector<char>& out, const net::NlMsgPtr& msg) {
  const nlmsghdr* h = nlmsg_hdr(msg.get());
  out.insert(out.end(), reinterpret_cast<const char*>(h), reinterpret_cast<const char*>(h) + NLMSG_ALIGN(h->nlmsg_len));
}

void append_chain_request(std::vector<char>& out, uint8_t family, uint32_t sequence) {
  net::NlMsgPtr chain = nat::new_nft_message(NFT_MSG_GETCHAIN, 0, family, sequence);
  put(nla_put_string(chain.get(), NFTA_CHAIN_TABLE, kTable), "table");
  put(nla_put_string(chain.get(), NFTA_CHAIN_NAME, kDockerUserChain), "chain");
  append_request(out, chain);
}

// The rules of one family's filter DOCKER-USER (the kernel filters the dump by table and chain; with family
// unspecified it would stop at the first family's table). A socket runs one dump at a time: it goes last.
void append_rules_request(std::vector<char>& out, uint8_t family, uint32_t sequence) {
  net::NlMsgPtr rules = nat::new_nft_message(NFT_MSG_GETRULE, NLM_F_DUMP, family, sequence);
  name_chain(rules.get());
  append_request(out, rules);
}

// One rule of the dump: ours for `interface` when its comment says so.
std::optional<OurRule> our_rule(nlmsghdr* h, const std::string& interface) {
  nlattr* tb[NFTA_RULE_MAX + 1] = {};
  if (nlmsg_parse(h, sizeof(nfgenmsg), tb, NFTA_RULE_MAX, nullptr) < 0) return std::nullopt;
  if (tb[NFTA_RULE_TABLE] == nullptr || tb[NFTA_RULE_CHAIN] == nullptr || tb[NFTA_RULE_HANDLE] == nullptr ||
      tb[NFTA_RULE_USERDATA] == nullptr)
    return std::nullopt;
  if (std::strcmp(nla_get_string(tb[NFTA_RULE_TABLE]), kTable) != 0 ||
      std::strcmp(nla_get_string(tb[NFTA_RULE_CHAIN]), kDockerUserChain) != 0)
    return std::nullopt;
  const uint8_t family = static_cast<const nfgenmsg*>(nlmsg_data(h))->nfgen_family;
  if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) return std::nullopt;
  const std::string comment = comment_in(tb[NFTA_RULE_USERDATA]);
  for (const Kind kind : kKinds)
    if (comment == comment_of(interface, kind))
      return OurRule{.family = family, .handle = be64toh(nla_get_u64(tb[NFTA_RULE_HANDLE])), .kind = kind};
  return std::nullopt;
}

// A kernel without nfnetlink or nf_tables holds no chain of iptables-nft's (Docker's iptables would then be the
// legacy one, out of our reach): nothing to do, rather than failing every ADD of a host that never had it.
bool means_no_nftables(int err) { return err == EPROTONOSUPPORT || err == EAFNOSUPPORT || err == EOPNOTSUPP; }

// A look in progress: the answers to the requests sent on `fd`, read until each has come.
class Look {
 public:
  explicit Look(const std::string& interface) : interface_(interface) {
    fd_ = UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
    if (!fd_ && !means_no_nftables(errno)) throw sys_error("nf_tables: open netlink socket", errno);
  }

  // Sends `requests` in one message and reads until the answers to the sequence numbers `pending` are in.
  void exchange(const std::vector<char>& requests, std::vector<uint32_t> pending) {
    if (!fd_) return;  // a kernel without nfnetlink: no Docker chain in nftables either
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_.get(), requests.data(), requests.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
                 sizeof kernel) != static_cast<ssize_t>(requests.size()))
      throw sys_error("nf_tables: send the look at " + std::string(kDockerUserChain), errno);
    const auto settled = [&pending](uint32_t sequence) { std::erase(pending, sequence); };
    alignas(nlmsghdr) static thread_local std::array<char, 65536> buf;
    while (!pending.empty()) {
      pollfd p{.fd = fd_.get(), .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, kAnswerTimeoutMs) == 0)
        throw Error(Code::Internal, "nf_tables: no answer from the kernel about " + std::string(kDockerUserChain));
      const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) throw sys_error("nf_tables: read the answer about " + std::string(kDockerUserChain), errno);
      int len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
        const uint32_t sequence = h->nlmsg_seq;
        const bool chain = sequence == kChainV4 || sequence == kChainV6;
        if (h->nlmsg_type == NLMSG_ERROR) {
          const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
          if (err != 0 && !means_no_nftables(err) && !(chain && err == ENOENT))
            throw sys_error("nf_tables: look at iptables chain " + std::string(kDockerUserChain), err);
          settled(sequence);
        } else if (h->nlmsg_type == NLMSG_DONE) {
          settled(sequence);
        } else if (chain && h->nlmsg_type == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWCHAIN)) {
          chains_.exists[sequence == kChainV4 ? 0 : 1] = true;
          settled(sequence);
        } else if (!chain && h->nlmsg_type == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE)) {
          if (auto rule = our_rule(h, interface_)) chains_.ours.push_back(*rule);
        }
      }
    }
  }

  Chains take() { return std::move(chains_); }

 private:
  std::string interface_;
  UniqueFd fd_;
  Chains chains_;
};

// Both chains and our rules in them. One round trip (both chains and ip's rules in one send) unless the ip6
// chain exists too (Docker with ip6tables): then its rules need a second.
Chains look(const std::string& interface) {
  Look look(interface);
  std::vector<char> requests;
  append_chain_request(requests, NFPROTO_IPV4, kChainV4);
  append_chain_request(requests, NFPROTO_IPV6, kChainV6);
  append_rules_request(requests, NFPROTO_IPV4, kRulesV4);
  look.exchange(requests, {kChainV4, kChainV6, kRulesV4});
  Chains chains = look.take();
  if (chains.exists[1]) {
    Look v6(interface);
    requests.clear();
    append_rules_request(requests, NFPROTO_IPV6, kRulesV6);
    v6.exchange(requests, {kRulesV6});
    for (const OurRule& r : v6.take().ours) chains.ours.push_back(r);
  }
  return chains;
}

// The rules that `chains` lacks for `interface`, in a batch; empty when none.
nat::NftBatch missing_rules(const Chains& chains, const std::string& interface, bool& any) {
  nat::NftBatch batch;
  any = false;
  for (const uint8_t family : kFamilies) {
    if (!chains.exists[family_slot(family)]) continue;
    // Inserted at the head one after the other: the established rule first, so the listing reads from, then it.
    for (const Kind kind : {Kind::EstablishedToBridge, Kind::FromBridge})
      if (!chains.has(family, kind)) batch.add(new_rule(family, interface, kind)), any = true;
  }
  return batch;
}

bool insert_missing(const std::string& interface, const Chains& first_look) {
  Chains chains = first_look;
  for (int attempt = 1;; ++attempt) {
    bool any = false;
    const nat::NftBatch batch = missing_rules(chains, interface, any);
    if (!any) return false;  // (after a refusal: someone else put them in meanwhile)
    const int err = batch.commit();
    if (err == 0) return true;
    // ENOENT: Docker took its chain away meanwhile (a restart); look again.
    if (attempt == 3)
      throw sys_error("insert the rules passing " + interface + " into iptables chain " + kDockerUserChain, err);
    chains = look(interface);
  }
}

// Whether `bridge` has a port other than `leaving_port`; false when the bridge is gone.
bool has_other_ports(const std::string& bridge, int leaving_port) {
  return net::has_ports_besides(bridge, leaving_port);
}

void remove_ours(const std::string& interface, const Chains& first_look) {
  Chains chains = first_look;
  for (int attempt = 1; !chains.ours.empty(); ++attempt) {
    nat::NftBatch batch;
    for (const OurRule& r : chains.ours) batch.add(delete_rule(r));
    const int err = batch.commit();
    if (err == 0) return;
    // ENOENT: one went meanwhile (a concurrent DEL, Docker's restart): look again.
    if (attempt == 3)
      throw sys_error("remove the rules passing " + interface + " from iptables chain " + kDockerUserChain, err);
    chains = look(interface);
  }
}

}  // namespace

std::string from_bridge_comment(const std::string& interface) { return "nexus: from bridge " + interface; }

std::string established_to_bridge_comment(const std::string& interface) {
  return "nexus: established to bridge " + interface;
}

bool pass_docker_user_chains(const std::string& interface) {
  const Chains chains = look(interface);
  if (!chains.any()) return false;
  return insert_missing(interface, chains);
}

void release_docker_user_chains(const std::string& interface, const std::string& bridge, int leaving_port) {
  const Chains chains = look(interface);
  if (chains.ours.empty() || has_other_ports(bridge, leaving_port)) return;
  remove_ours(interface, chains);
  // A concurrent ADD may have plugged its port after we looked and found our rules still there: give them back.
  if (has_other_ports(bridge, leaving_port)) pass_docker_user_chains(interface);
}

std::string find_docker_user_gap(const std::string& interface) {
  const Chains chains = look(interface);
  for (const uint8_t family : kFamilies) {
    if (!chains.exists[family_slot(family)]) continue;
    const std::string where = std::string(family == NFPROTO_IPV4 ? "ip" : "ip6") + " filter " + kDockerUserChain;
    for (const Kind kind : kKinds)
      if (!chains.has(family, kind)) return "rule \"" + comment_of(interface, kind) + "\" is missing from " + where;
  }
  return "";
}

}  // namespace nexus::neighbours
