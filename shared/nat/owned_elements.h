#pragma once
// What Nexus's owner-keyed nftables elements (shared/nat/masquerade.h, shared/nat/mac_spoof_check.h) share: each
// element has a twin in an owner set whose key ends with a 64-bit token of its owner, and a removal deletes the
// twin and the element in one transaction, so the kernel refuses it (ENOENT, nothing changed) unless the element
// still belongs to that owner. Tables and chains are created once and never rewritten (a table goes whole once
// no set of it holds an element: shared/nat/idle_tables.h).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "shared/nat/nft.h"

namespace nexus::nat {

/// An owner set's last two fields (`mark . mark`): 64 bits of FNV-1a of a key naming the owner.
struct OwnerToken {
  uint32_t hi = 0, lo = 0;
  bool operator==(const OwnerToken&) const = default;

  static OwnerToken of(std::string_view key);
  /// "0x01234567 . 0x89abcdef", as an element key's tail.
  std::string text() const;
};

/// nft's error text says the object exists (EEXIST) / does not exist (ENOENT).
bool is_exists_error(const std::string& error);
bool is_missing_error(const std::string& error);

/// Throws Error 999 "<what>: nftables transaction failed: <nft's first line>", nft's whole text as details.
[[noreturn]] void fail_transaction(const std::string& what, const std::string& error);

/// Runs a `create chain` transaction (a chain and its rules) that exactly one of several racing processes wins:
/// EEXIST means another one made them. Returns false, nothing changed, when the table is not there (ENOENT: a DEL
/// that found the host idle deleted it since the caller made it, shared/nat/idle_tables.h): the caller starts
/// again. Any other failure throws (fail_transaction with `what`).
[[nodiscard]] bool create_once(Nft& nft, const std::string& commands, const std::string& what);

/// How often an ADD's slow path starts again when what it created went meanwhile (a DEL that found the host idle
/// deleted the table) or an element changed under it (a concurrent ADD or DEL of the same key).
inline constexpr int kCreateAttempts = 5;

/// True when `text` can go inside a quoted nft string (which has no escapes): letters, digits, _ . - / : @ +,
/// at most 120 characters.
bool is_nft_safe(const std::string& text);

/// The concatenation of an element key as `nft -j` prints it: {"concat": [...]}, or the same wrapped in
/// {"elem": {"val": ..., "comment": ...}}, whose comment goes to `comment` when given. Null when it is neither.
const nlohmann::json* element_concat(const nlohmann::json& key, std::string* comment = nullptr);

/// The objects of `table` ("<family> <name>") as `nft -j list table` prints them, its "nftables" array; an
/// empty array when the table does not exist. Throws when nft's output is not JSON (naming `what`).
nlohmann::json list_table(Nft& nft, const std::string& table, const std::string& what);

}  // namespace nexus::nat
