#include "shared/cni/version.h"

#include <algorithm>
#include <charconv>

#include "shared/base/error.h"

namespace nexus::cni {
std::optional<std::array<unsigned, 3>> parse_version(std::string_view text) {
  std::array<unsigned, 3> parts{};
  std::string_view rest = text;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), parts[i]);
    const bool last = i + 1 == parts.size();
    const bool ok = ec == std::errc() && ptr != rest.data() &&
                    (last ? ptr == rest.data() + rest.size() : ptr < rest.data() + rest.size() && *ptr == '.');
    if (!ok) return std::nullopt;
    rest.remove_prefix(static_cast<size_t>(ptr - rest.data()) + (last ? 0 : 1));
  }
  return parts;
}

namespace {

std::array<unsigned, 3> parse_semver(std::string_view text) {
  const auto parts = parse_version(text);
  if (!parts) throw Error(Code::DecodeFailure, "invalid version \"" + std::string(text) + "\": expected X.Y.Z");
  return *parts;
}

}  // namespace

bool is_supported_version(std::string_view version) {
  return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), version) != kSupportedVersions.end();
}

int compare_versions(std::string_view a, std::string_view b) {
  const auto pa = parse_semver(a);
  const auto pb = parse_semver(b);
  return pa < pb ? -1 : (pa == pb ? 0 : 1);
}

std::string supported_versions_text() {
  std::string text;
  for (const auto v : kSupportedVersions) text += (text.empty() ? "" : ", ") + std::string(v);
  return text;
}

void require_supported_version(std::string_view version, std::string_view what) {
  if (is_supported_version(version)) return;
  throw Error(Code::IncompatibleVersion,
              "incompatible CNI versions: " + std::string(what) + " is \"" + std::string(version) + "\"",
              "this plugin supports " + supported_versions_text());
}

}  // namespace nexus::cni
