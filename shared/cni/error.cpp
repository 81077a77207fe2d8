#include "shared/cni/error.h"

#include <cerrno>
#include <cstring>

namespace nexus::cni {

nlohmann::json error_json(Code code, const std::string& msg, const std::string& details) {
  nlohmann::json j = {{"code", static_cast<unsigned>(code)}, {"msg", msg}};
  if (!details.empty()) j["details"] = details;
  return j;
}

Error sys_error(const std::string& what, int err) {
  const Code code = (err == EAGAIN || err == EBUSY || err == EINTR) ? Code::TryAgainLater : Code::Internal;
  return Error(code, what + ": " + std::strerror(err));
}

}  // namespace nexus::cni
