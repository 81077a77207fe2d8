#pragma once
// FNV-1a, 64 bits: names derived from it (bridge MAC, host veth, nft chains) must stay the same across builds
// and machines, which std::hash does not promise, so a DEL after an upgrade still finds what an ADD made.
#include <cstdint>
#include <string_view>

namespace nexus {

constexpr std::uint64_t fnv1a(std::string_view text) noexcept {
  std::uint64_t hash = 1469598103934665603ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace nexus
