#pragma once
// Where an Nft's libnftables runs. A dynamically linked executable loads libnftables itself; nexus-bridge is
// linked statically (no dynamic loader on each of its execs) and cannot load a shared library, so its sessions
// run in the nexus-nftables helper beside it. Each executable links exactly one implementation
// (shared/nft_session/, CMakeLists.txt); this header is all that the rest of shared/ sees of them.
#include <memory>
#include <string>

namespace nexus::nat {

class NftSession {
 public:
  virtual ~NftSession() = default;
  /// Runs `commands` as one transaction (nft syntax: all or nothing), its listings as JSON when `json`.
  /// Returns whether nft accepted it; what it printed and its error text go to `output` and `error`.
  virtual bool run(const std::string& commands, bool json, std::string& output, std::string& error) = 0;
};

/// A session for the calling thread's netns, libnftables loaded and its context open. Throws Error 999 when
/// libnftables cannot be loaded (the message names it) or the helper cannot start.
std::unique_ptr<NftSession> open_nft_session();

}  // namespace nexus::nat
