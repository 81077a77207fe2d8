#include "shared/cni/child_reply.h"

#include "shared/cni/delegate.h"
#include "shared/cni/error_json.h"

namespace nexus::cni {
namespace {

constexpr const char* kOk = "ok";

}  // namespace

bool reply_to_parent(LineChannel& channel, const std::function<void()>& step) {
  std::string line = kOk;
  try {
    step();
  } catch (const Error& e) {
    line = error_json(e.code(), e.what(), e.details()).dump();
  } catch (const std::exception& e) {
    line = error_json(Code::Internal, e.what(), "").dump();
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
