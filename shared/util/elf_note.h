#pragma once
// Reading one note of an ELF executable without reading the file: the header, the program headers and the
// PT_NOTE segments, a few preads in all. nexus-bridge uses it to tell whether the nexus-ipam it found in
// CNI_PATH is of its own build (shared/cni/builtin_plugin.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nexus {

/// The descriptor of the first note named `owner` with type `type` in `path`'s PT_NOTE segments; nullopt when the
/// file does not open, is not a native 64-bit ELF file (a script, another architecture, a truncated copy) or has
/// no such note.
std::optional<std::string> read_elf_note(const std::string& path, std::string_view owner, uint32_t type);

}  // namespace nexus
