#include "shared/nat/nft.h"

#include "shared/base/error.h"

namespace nexus::nat {
namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::optional<Nft> Nft::open_if_available() {
  try {
    return Nft();
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool Nft::try_run(const std::string& commands, std::string* error, std::string* output) {
  std::string out, err;
  const bool ok = session_->run(commands, json_, out, err);
  while (!err.empty() && err.back() == '\n') err.pop_back();
  if (output != nullptr) *output = std::move(out);
  if (error != nullptr) *error = std::move(err);
  return ok;
}

std::string Nft::run(const std::string& commands) {
  std::string error, output;
  if (!try_run(commands, &error, &output)) {
    throw Error(Code::Internal, "nftables transaction failed: " + first_line(error), error);
  }
  return output;
}

}  // namespace nexus::nat
