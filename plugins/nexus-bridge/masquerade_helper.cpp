#include "plugins/nexus-bridge/masquerade_helper.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "shared/base/error.h"
#include "shared/cni/child_reply.h"
#include "shared/nat/nft.h"

namespace nexus::bridge_plugin {
namespace {

std::string addresses_line(const std::vector<cni::IpConfig>& ips) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& ip : ips) addresses.push_back(ip.address.to_string());
  return addresses.dump();
}

std::vector<cni::IpConfig> parse_addresses(const std::string& line) {
  std::vector<cni::IpConfig> ips;
  for (const auto& address : nlohmann::json::parse(line))
    ips.push_back({.address = parse_prefix(address.get<std::string>(), "address")});
  return ips;
}

// The helper's side. Loading libnftables and creating the context overlap the plugin's IPAM call; a failure
// there is reported when the addresses arrive, as the add's own error.
int add_in_helper(LineChannel& channel, const nat::MasqueradeTarget& target) {
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
    nat::masquerade(*nft, target, masquerade_addresses(parse_addresses(*addresses)));
  });
  return 0;
}

}  // namespace

MasqueradeAdder::MasqueradeAdder(const nat::MasqueradeTarget& target)
    : target_(target),
      child_(DetachedChild::start([this](LineChannel& channel) { return add_in_helper(channel, target_); })) {}

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
  nat::unmasquerade(nft, target_, masquerade_addresses(ips));
}

}  // namespace nexus::bridge_plugin
