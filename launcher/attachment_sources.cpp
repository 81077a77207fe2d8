#include "launcher/attachment_sources.h"

#include <algorithm>

#include "shared/cni/result.h"
#include "shared/runtime/conflist.h"

namespace nexus::launcher {
namespace {

bool same_attachment(const runtime::CachedAttachment& a, const runtime::NodeRecord& n) {
  return a.network == n.network && a.container_id == n.container_id && a.ifname == n.ifname;
}

// The node as libcni would have cached it; the result in the network's version holds only the addresses the
// record keeps. A record without its configuration cannot say what the plugins did: nullopt.
std::optional<runtime::CachedAttachment> as_cached(const runtime::NodeRecord& node) {
  if (node.network_config.empty()) return std::nullopt;
  runtime::CachedAttachment a{.network = node.network, .container_id = node.container_id, .ifname = node.ifname,
                              .netns = node.netns_path, .config = node.network_config, .cni_args = node.cni_args,
                              .capability_args = node.capability_args, .result = {}};
  cni::Result result;
  for (const IpPrefix& p : node.addresses) result.ips.push_back({.address = p});
  try {
    a.result = cni::encode_result(result, runtime::parse_conflist(node.network_config, "node " + node.name).cni_version);
  } catch (const std::exception&) {
    return std::nullopt;  // a configuration that no longer parses: nothing to restore from
  }
  return a;
}

}  // namespace

std::vector<runtime::CachedAttachment> recorded_attachments(const Context& ctx) {
  std::vector<runtime::CachedAttachment> out = ctx.cni().cache().list();
  const size_t cached = out.size();
  for (const runtime::NodeRecord& node : ctx.store().list()) {
    const auto end = out.begin() + static_cast<std::ptrdiff_t>(cached);
    if (std::any_of(out.begin(), end, [&](const auto& a) { return same_attachment(a, node); })) continue;
    if (auto a = as_cached(node)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace nexus::launcher
