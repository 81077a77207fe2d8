#pragma once
// The lines between a statically linked plugin and its nexus-nftables helper (shared/nft_session/): after the
// helper's first answer ("ok" once libnftables is loaded, else the error as CNI error JSON, shared/cni/child_reply.h),
// one request line per transaction and one reply line to each.
#include <string>

namespace nexus::nat {

/// The helper's file name; it is installed beside the plugins.
inline constexpr const char* kNftHelperName = "nexus-nftables";

struct NftRequest {
  std::string commands;
  bool json = false;
};

struct NftReply {
  bool ok = false;
  std::string output, error;
};

std::string to_line(const NftRequest& request);
std::string to_line(const NftReply& reply);
/// Throw Error 999 for a line that is not one.
NftRequest request_of_line(const std::string& line);
NftReply reply_of_line(const std::string& line);

}  // namespace nexus::nat
