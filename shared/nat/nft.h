#pragma once
// A libnftables context that runs nft command text as one atomic transaction and reports errors as
// Error instead of printing them.
#include <nftables/libnftables.h>

#include <memory>
#include <string>

#include "shared/nat/libnftables.h"

namespace nexus::nat {

/// Owns an nft_ctx with buffered output and error streams.
class Nft {
 public:
  /// A context for the calling thread's netns (the netlink socket is opened lazily by libnftables). Loads
  /// libnftables on first use.
  Nft();

  /// Runs `commands` (nft syntax, several lines = one transaction: all or nothing). Returns what nft printed
  /// (e.g. for list commands). Throws Error code 999 with nft's error text in details on failure.
  std::string run(const std::string& commands);
  /// Like run() but returns false instead of throwing; nft's error text and output go where asked.
  bool try_run(const std::string& commands, std::string* error = nullptr, std::string* output = nullptr);
  /// Switches JSON output on or off (for list commands parsed by code).
  void set_json(bool on);

 private:
  struct Free {
    const LibNftables* lib;
    void operator()(nft_ctx* ctx) const noexcept { lib->ctx_free(ctx); }
  };
  const LibNftables& lib_;  // looked up once per context, not once per call
  std::unique_ptr<nft_ctx, Free> ctx_;
};

}  // namespace nexus::nat
