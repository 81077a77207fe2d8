#pragma once
// CNI specification versions this project speaks, and comparisons between them.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace nexus::cni {

/// Versions whose result format we produce and parse, oldest first.
inline constexpr std::array<std::string_view, 5> kSupportedVersions = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
inline constexpr std::string_view kLatestVersion = "1.1.0";

/// True when `version` is one of kSupportedVersions.
bool is_supported_version(std::string_view version);
/// A parsed "major.minor.patch" (digits only, no sign or suffix); nullopt for anything else.
std::optional<std::array<unsigned, 3>> parse_version(std::string_view text);
/// Semantic-version comparison of two "X.Y.Z" strings (negative, 0, positive); throws code 6 on a malformed one.
int compare_versions(std::string_view a, std::string_view b);
/// Throws code 1 unless `version` is supported; `what` says where the version came from ("config", "prevResult").
void require_supported_version(std::string_view version, std::string_view what);
/// "0.3.0", "0.3.1", ... as a JSON-ish list for messages.
std::string supported_versions_text();

}  // namespace nexus::cni
