#include "shared/nft_session/helper_protocol.h"

#include <nlohmann/json.hpp>

#include "shared/base/error.h"

namespace nexus::nat {
namespace {

nlohmann::json parse(const std::string& line, const char* what) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) throw Error(Code::Internal, std::string(kNftHelperName) + ": malformed " + what, line);
  return j;
}

}  // namespace

// Dumped JSON is one line: the commands' and listings' newlines travel as \n escapes.
std::string to_line(const NftRequest& request) {
  return nlohmann::json{{"commands", request.commands}, {"json", request.json}}.dump();
}

std::string to_line(const NftReply& reply) {
  return nlohmann::json{{"ok", reply.ok}, {"output", reply.output}, {"error", reply.error}}.dump();
}

NftRequest request_of_line(const std::string& line) {
  const nlohmann::json j = parse(line, "request");
  return {.commands = j.value("commands", ""), .json = j.value("json", false)};
}

NftReply reply_of_line(const std::string& line) {
  const nlohmann::json j = parse(line, "reply");
  return {.ok = j.value("ok", false), .output = j.value("output", ""), .error = j.value("error", "")};
}

}  // namespace nexus::nat
