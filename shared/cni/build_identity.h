#pragma once
// The build identity every Nexus plugin executable carries, twice: as an ELF note (read from another binary's
// file by shared/util/elf_note.h) and as the value below (this executable's own). It is the SHA-256 of the
// nexus_shared library the executable links, computed at build time (cmake/build_identity.cmake), so two
// executables carry the same identity only when every line of shared code they run, nexus-ipam's verbs
// included (shared/ipam_plugin), was compiled alike in one build.
#include <cstdint>
#include <string_view>

namespace nexus::cni {

/// The note's owner name and type (ours: "Nexus", 1 = build identity).
inline constexpr std::string_view kBuildIdentityNoteOwner = "Nexus";
inline constexpr uint32_t kBuildIdentityNoteType = 1;

/// This executable's identity: 64 hex digits. Defined by the generated build_identity.cpp, which only the plugin
/// executables (and the tests' impostor plugin) link.
std::string_view build_identity();

}  // namespace nexus::cni
