#include "shared/runtime/version.h"

#include <algorithm>

#include "shared/cni/version.h"

namespace nexus::runtime {

bool version_less(const std::string& a, const std::string& b) {
  auto va = cni::parse_version(a), vb = cni::parse_version(b);
  if (!vb) return false;
  if (!va) return true;
  return *va < *vb;
}

const std::vector<std::string>& runtime_versions() {
  static const std::vector<std::string> versions(cni::kSupportedVersions.begin(), cni::kSupportedVersions.end());
  return versions;
}

std::optional<std::string> negotiate_version(const std::vector<std::string>& wanted,
                                             const std::vector<std::vector<std::string>>& plugin_supported) {
  std::vector<std::string> candidates = wanted;
  std::sort(candidates.begin(), candidates.end(), version_less);
  const auto supports = [](const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    if (!supports(runtime_versions(), *it)) continue;
    bool all = std::all_of(plugin_supported.begin(), plugin_supported.end(),
                           [&](const std::vector<std::string>& list) { return list.empty() || supports(list, *it); });
    if (all) return *it;
  }
  return std::nullopt;
}

}  // namespace nexus::runtime
