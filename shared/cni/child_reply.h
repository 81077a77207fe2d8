#pragma once
// Replies from a helper process (shared/util/detached_child.h) to the plugin: "ok", or the step's error as
// CNI error JSON, so the plugin reports the helper's failure with its own code and message.
#include <functional>
#include <string>

#include "shared/util/line_channel.h"

namespace nexus::cni {

/// In the helper: runs `step`, then sends "ok" or the error it threw. Returns whether it succeeded.
bool reply_to_parent(LineChannel& channel, const std::function<void()>& step);
/// In the plugin: waits for the helper's reply to `what`; re-throws its error, or throws code 999 when the
/// helper exited without replying.
void await_reply(LineChannel& channel, const std::string& what);

}  // namespace nexus::cni
