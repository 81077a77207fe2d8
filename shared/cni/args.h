#pragma once
// CNI_ARGS: "K=V;K=V" pairs passed by the runtime (podman sends IP= and MAC=, containerd and CRI-O K8S_POD_*).
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nexus::cni {

class CniArgs {
 public:
  /// Parses the variable's text; a pair without '=' or with an empty key is code 4 naming CNI_ARGS.
  static CniArgs parse(std::string_view text);

  /// Value of `key`, if given.
  std::optional<std::string> get(const std::string& key) const;
  /// Throws code 4 for a key outside `known` (plus IgnoreUnknown and the K8S_POD_* keys runtimes always send),
  /// unless IgnoreUnknown=1|true was given.
  void reject_unknown(std::initializer_list<std::string_view> known) const;
  bool ignore_unknown() const noexcept { return ignore_unknown_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  bool ignore_unknown_ = false;
};

}  // namespace nexus::cni
