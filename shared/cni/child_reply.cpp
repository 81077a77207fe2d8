#include "shared/cni/child_reply.h"

#include <nlohmann/json.hpp>

#include "shared/cni/delegate.h"
#include "shared/cni/error.h"

namespace nexus::cni {
namespace {

constexpr const char* kOk = "ok";

std::string error_line(Code code, const std::string& msg, const std::string& details) {
  nlohmann::json j = {{"code", static_cast<unsigned>(code)}, {"msg", msg}};
  if (!details.empty()) j["details"] = details;
  return j.dump();
}

}  // namespace

bool reply_to_parent(LineChannel& channel, const std::function<void()>& step) {
  std::string line = kOk;
  try {
    step();
  } catch (const Error& e) {
    line = error_line(e.code(), e.what(), e.details());
  } catch (const std::exception& e) {
    line = error_line(Code::Internal, e.what(), "");
  }
  channel.send(line);
  return line == kOk;
}

void await_reply(LineChannel& channel, const std::string& what) {
  const auto line = channel.receive();
  if (!line) throw Error(Code::Internal, what + ": the helper process exited without answering");
  if (*line != kOk) throw_plugin_error("helper (" + what + ")", 1, 0, *line);
}

}  // namespace nexus::cni
