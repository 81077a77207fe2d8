// libnftables in this process (shared/nat/nft_session.h): for every dynamically linked executable.
#include <memory>

#include "shared/base/error.h"
#include "shared/nat/nft_session.h"
#include "shared/nft_session/libnftables.h"

namespace nexus::nat {
namespace {

class InProcessSession final : public NftSession {
 public:
  InProcessSession() : lib_(libnftables()), ctx_(lib_.ctx_new(NFT_CTX_DEFAULT), Free{&lib_}) {
    if (!ctx_) throw Error(Code::Internal, "create nftables context: out of memory");
    // Buffered streams: nothing in shared/ may print, and the error text belongs in the CNI error.
    lib_.buffer_output(ctx_.get());
    lib_.buffer_error(ctx_.get());
  }

  bool run(const std::string& commands, bool json, std::string& output, std::string& error) override {
    const unsigned flags = lib_.output_get_flags(ctx_.get());
    lib_.output_set_flags(ctx_.get(), json ? (flags | NFT_CTX_OUTPUT_JSON) : (flags & ~NFT_CTX_OUTPUT_JSON));
    const int rc = lib_.run_cmd_from_buffer(ctx_.get(), commands.c_str());
    // Reading a buffer also empties it, so the next command starts clean either way.
    output = lib_.get_output_buffer(ctx_.get());
    error = lib_.get_error_buffer(ctx_.get());
    return rc == 0;
  }

 private:
  struct Free {
    const LibNftables* lib;
    void operator()(nft_ctx* ctx) const noexcept { lib->ctx_free(ctx); }
  };
  const LibNftables& lib_;  // looked up once per context, not once per call
  std::unique_ptr<nft_ctx, Free> ctx_;
};

}  // namespace

std::unique_ptr<NftSession> open_nft_session() { return std::make_unique<InProcessSession>(); }

}  // namespace nexus::nat
