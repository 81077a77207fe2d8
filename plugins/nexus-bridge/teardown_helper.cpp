#include "plugins/nexus-bridge/teardown_helper.h"

#include <poll.h>

#include <chrono>
#include <string>

#include "shared/base/error.h"
#include "shared/cni/child_reply.h"
#include "shared/nat/nft.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"

namespace nexus::bridge_plugin {
namespace {

// Longer than any sane kernel delete; a hung helper must not hang the runtime forever.
constexpr auto kVethDeleteTimeout = std::chrono::seconds(30);

// The helper's side: one reply per step, in order. The veth goes even when the masquerade removal failed (DEL
// is best effort). The nft context closes and the veth's deletion returns, both after RCU grace periods, when
// the plugin no longer waits.
int tear_down_in_helper(LineChannel& channel, const std::optional<nat::MasqueradeTarget>& masquerade,
                        const std::vector<IpPrefix>& masquerade_addresses, int veth_index,
                        const std::optional<nat::PublishTarget>& ports,
                        const std::vector<nat::PortMapping>& port_mappings) {
  std::optional<nat::Nft> nft;  // libnftables, loaded only when a fast path cannot do the job
  if (masquerade || ports) cni::reply_to_parent(channel, [&] {
      if (masquerade) nat::unmasquerade(nft, *masquerade, masquerade_addresses);
      if (ports) {
        if (!nft) nft.emplace();
        nat::unpublish_ports(*nft, *ports, port_mappings, masquerade_addresses);
      }
    });
  if (veth_index > 0) cni::reply_to_parent(channel, [&] { net::delete_link(net::NlSocket::open(), veth_index); });
  return 0;
}

// The spoof check's helper, beside the other: removing the elements (one netlink batch, or libnftables when that
// cannot do it) overlaps the veth's deletion, which nothing in it waits for.
int remove_spoof_check_in_helper(LineChannel& channel, const nat::SpoofCheckedPort& port) {
  cni::reply_to_parent(channel, [&] {
    std::optional<nat::Nft> nft;  // libnftables, only when the netlink fast path cannot do it
    nat::remove_mac_spoof_check(nft, port.port, port.owner,
                                port.mac.empty() ? std::nullopt : std::optional<std::string>(port.mac));
  });
  return 0;
}

}  // namespace

Teardown::Teardown(const std::optional<nat::MasqueradeTarget>& masquerade,
                   const std::vector<IpPrefix>& masquerade_addresses, int veth_index,
                   const std::optional<nat::SpoofCheckedPort>& spoof_check,
                   const std::optional<nat::PublishTarget>& ports,
                   const std::vector<nat::PortMapping>& port_mappings)
    : nat_(masquerade.has_value() || ports.has_value()),
      veth_index_(veth_index),
      watch_(veth_index > 0 ? std::optional<net::LinkGoneWatch>(std::in_place, veth_index) : std::nullopt) {
  if (nat_ || veth_index_ > 0)
    child_.emplace(DetachedChild::start([&](LineChannel& channel) {
      return tear_down_in_helper(channel, masquerade, masquerade_addresses, veth_index, ports, port_mappings);
    }));
  if (spoof_check)
    spoof_child_.emplace(DetachedChild::start(
        [&](LineChannel& channel) { return remove_spoof_check_in_helper(channel, *spoof_check); }));
}

void Teardown::wait_masquerade_removed() {
  if (nat_) cni::await_reply(child_->channel(), "remove masquerade and published ports");
}

void Teardown::wait_spoof_check_removed() {
  if (spoof_child_) cni::await_reply(spoof_child_->channel(), "remove macspoofchk");
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
