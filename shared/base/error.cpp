#include "shared/base/error.h"

#include <cerrno>
#include <cstring>

namespace nexus {

Error sys_error(const std::string& what, int err) {
  const Code code = (err == EAGAIN || err == EBUSY || err == EINTR) ? Code::TryAgainLater : Code::Internal;
  return Error(code, what + ": " + std::strerror(err));
}

}  // namespace nexus
