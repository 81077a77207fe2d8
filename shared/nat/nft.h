#pragma once
// A libnftables context that runs nft command text as one atomic transaction and reports errors as
// Error instead of printing them.
#include <memory>
#include <optional>
#include <string>

#include "shared/nat/nft_session.h"

namespace nexus::nat {

/// One nftables session (shared/nat/nft_session.h) with buffered output and error streams.
class Nft {
 public:
  /// A context for the calling thread's netns. Loads libnftables (or starts its helper) on first use; throws
  /// Error 999 naming libnftables when it cannot be loaded.
  Nft() : session_(open_nft_session()) {}
  /// A context, or nullopt on a host without libnftables (it then holds no nftables state of ours).
  static std::optional<Nft> open_if_available();

  /// Runs `commands` (nft syntax, several lines = one transaction: all or nothing). Returns what nft printed
  /// (e.g. for list commands). Throws Error code 999 with nft's error text in details on failure.
  std::string run(const std::string& commands);
  /// Like run() but returns false instead of throwing; nft's error text and output go where asked.
  bool try_run(const std::string& commands, std::string* error = nullptr, std::string* output = nullptr);
  /// Switches JSON output on or off (for list commands parsed by code).
  void set_json(bool on) { json_ = on; }

 private:
  std::unique_ptr<NftSession> session_;
  bool json_ = false;
};

}  // namespace nexus::nat
