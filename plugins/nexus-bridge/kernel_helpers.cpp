#include "plugins/nexus-bridge/kernel_helpers.h"

#include <poll.h>

#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>

#include "plugins/nexus-bridge/masquerade.h"
#include "shared/cni/child_reply.h"
#include "shared/base/error.h"
#include "shared/nat/nft.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"

namespace nexus::bridge_plugin {
namespace {

// Longer than any sane kernel delete; a hung helper must not hang the runtime forever.
constexpr auto kVethDeleteTimeout = std::chrono::seconds(30);

std::string addresses_line(const std::vector<cni::IpConfig>& ips) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& ip : ips) addresses.push_back(ip.address.to_string());
  return addresses.dump();
}

std::vector<cni::IpConfig> parse_addresses(const std::string& line) {
  std::vector<cni::IpConfig> ips;
  for (const auto& address : nlohmann::json::parse(line)) ips.push_back({.address = parse_prefix(address.get<std::string>(), "address")});
  return ips;
}

// Helper side of MasqueradeAdder. Loading libnftables and creating the context overlap the plugin's IPAM call;
// a failure there is reported when the addresses arrive, as the add's own error.
int add_masquerade_helper(LineChannel& channel, const BridgeConf& conf, const cni::Request& req) {
  std::optional<nat::Nft> nft;
  std::exception_ptr setup_failure;
  try {
    nft.emplace();
  } catch (...) {
    setup_failure = std::current_exception();
  }
  const auto addresses = channel.receive();
  if (!addresses) return 0;  // the plugin failed before IPAM answered: nothing to add
  cni::reply_to_parent(channel, [&] {
    if (setup_failure) std::rethrow_exception(setup_failure);
    add_masquerade(*nft, conf, req, parse_addresses(*addresses));
  });
  return 0;
}

// Helper side of Teardown: one reply per step, in order. The veth goes even when the masquerade removal
// failed (DEL is best effort). The nft context closes and the veth's deletion returns, both after RCU grace
// periods, when the plugin no longer waits.
int teardown_helper(LineChannel& channel, const BridgeConf& conf, const cni::Request& req,
                    const std::vector<cni::IpConfig>& masquerade_ips, int veth_index) {
  std::optional<nat::Nft> nft;
  if (conf.ip_masq) cni::reply_to_parent(channel, [&] {
      nft.emplace();
      remove_masquerade(*nft, conf, req, masquerade_ips);
    });
  if (veth_index > 0) cni::reply_to_parent(channel, [&] { net::delete_link(net::NlSocket::open(), veth_index); });
  return 0;
}

}  // namespace

MasqueradeAdder::MasqueradeAdder(const BridgeConf& conf, const cni::Request& req)
    : conf_(conf),
      req_(req),
      child_(DetachedChild::start([&](LineChannel& channel) { return add_masquerade_helper(channel, conf, req); })) {}

void MasqueradeAdder::add(const std::vector<cni::IpConfig>& ips) {
  if (!child_.channel().send(addresses_line(ips)))
    throw Error(Code::Internal, "add masquerade: the helper process is gone");
}

void MasqueradeAdder::wait_added() {
  if (answered_) return;
  answered_ = true;
  cni::await_reply(child_.channel(), "add masquerade");
}

void MasqueradeAdder::undo(const std::vector<cni::IpConfig>& ips) {
  try {
    wait_added();
  } catch (const Error&) {
    // the add failed part-way: remove whatever it put in
  }
  nat::Nft nft;
  remove_masquerade(nft, conf_, req_, ips);
}

Teardown::Teardown(const BridgeConf& conf, const cni::Request& req, const std::vector<cni::IpConfig>& masquerade_ips,
                   int veth_index)
    : ip_masq_(conf.ip_masq),
      veth_index_(veth_index),
      watch_(veth_index > 0 ? std::optional<net::LinkGoneWatch>(std::in_place, veth_index) : std::nullopt) {
  if (ip_masq_ || veth_index_ > 0)
    child_.emplace(DetachedChild::start(
        [&](LineChannel& channel) { return teardown_helper(channel, conf, req, masquerade_ips, veth_index); }));
}

void Teardown::wait_masquerade_removed() {
  if (ip_masq_) cni::await_reply(child_->channel(), "remove masquerade");
}

void Teardown::wait_veth_gone() {
  if (veth_index_ <= 0) return;
  const std::string what = "delete veth " + std::to_string(veth_index_);
  const auto deadline = std::chrono::steady_clock::now() + kVethDeleteTimeout;
  while (!watch_->gone()) {
    // The helper's own answer arrives only after the kernel's cleanup, unless the delete failed.
    if (child_->channel().ready()) return cni::await_reply(child_->channel(), what);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw Error(Code::Internal, what + ": timed out waiting for the kernel");
    pollfd fds[2] = {{.fd = watch_->poll_fd(), .events = POLLIN, .revents = 0},
                     {.fd = child_->channel().poll_fd(), .events = POLLIN, .revents = 0}};
    ::poll(fds, 2, static_cast<int>(left.count()));
  }
}

}  // namespace nexus::bridge_plugin
