#include "shared/nat/nft.h"

#include "shared/base/error.h"

namespace nexus::nat {
namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

Nft::Nft() : lib_(libnftables()), ctx_(lib_.ctx_new(NFT_CTX_DEFAULT), Free{&lib_}) {
  if (!ctx_) throw Error(Code::Internal, "create nftables context: out of memory");
  // Buffered streams: nothing in shared/ may print, and the error text belongs in the CNI error.
  lib_.buffer_output(ctx_.get());
  lib_.buffer_error(ctx_.get());
}

bool Nft::try_run(const std::string& commands, std::string* error, std::string* output) {
  const int rc = lib_.run_cmd_from_buffer(ctx_.get(), commands.c_str());
  // Reading a buffer also empties it, so the next command starts clean either way.
  std::string out = lib_.get_output_buffer(ctx_.get());
  std::string err = lib_.get_error_buffer(ctx_.get());
  while (!err.empty() && err.back() == '\n') err.pop_back();
  if (output != nullptr) *output = std::move(out);
  if (error != nullptr) *error = std::move(err);
  return rc == 0;
}

std::string Nft::run(const std::string& commands) {
  std::string error, output;
  if (!try_run(commands, &error, &output)) {
    throw Error(Code::Internal, "nftables transaction failed: " + first_line(error), error);
  }
  return output;
}

void Nft::set_json(bool on) {
  const unsigned flags = lib_.output_get_flags(ctx_.get());
  lib_.output_set_flags(ctx_.get(), on ? (flags | NFT_CTX_OUTPUT_JSON) : (flags & ~NFT_CTX_OUTPUT_JSON));
}

}  // namespace nexus::nat
