#include "shared/cni/args.h"

#include <algorithm>
#include <array>

#include "shared/base/error.h"

namespace nexus::cni {
namespace {

// Keys that Kubernetes runtimes send to every plugin of a pod's network.
constexpr std::array<std::string_view, 5> kAlwaysKnown = {"IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
                                                          "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"};

bool is_true(std::string_view v) { return v == "1" || v == "true" || v == "True" || v == "TRUE"; }

}  // namespace

CniArgs CniArgs::parse(std::string_view text) {
  CniArgs args;
  while (!text.empty()) {
    const size_t end = text.find(';');
    const std::string_view pair = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (pair.empty()) continue;  // tolerate "A=1;;B=2" and a trailing ';'
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw Error(Code::InvalidEnv, "invalid CNI_ARGS pair \"" + std::string(pair) + "\"", "expected K=V;K=V");
    args.values_.insert_or_assign(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  if (const auto ignore = args.get("IgnoreUnknown")) args.ignore_unknown_ = is_true(*ignore);
  return args;
}

std::optional<std::string> CniArgs::get(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void CniArgs::reject_unknown(std::initializer_list<std::string_view> known) const {
  if (ignore_unknown_) return;
  for (const auto& [key, value] : values_) {
    const bool ok = std::find(known.begin(), known.end(), key) != known.end() ||
                    std::find(kAlwaysKnown.begin(), kAlwaysKnown.end(), key) != kAlwaysKnown.end();
    if (!ok)
      throw Error(Code::InvalidEnv, "unknown CNI_ARGS key \"" + key + "\" (value \"" + value + "\")",
                  "set IgnoreUnknown=1 in CNI_ARGS to pass keys this plugin does not use");
  }
}

}  // namespace nexus::cni
