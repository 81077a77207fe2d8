#include "shared/net/nl_error.h"

#include <netlink/errno.h>

#include <cstdlib>

namespace nexus::net {

Error nl_error(const std::string& verb, const std::string& object, const std::string& name, int nl_err) {
  const int code = std::abs(nl_err);
  const bool transient = code == NLE_BUSY || code == NLE_AGAIN || code == NLE_DUMP_INTR || code == NLE_INTR;
  return Error(transient ? Code::TryAgainLater : Code::Internal,
               verb + " " + object + " '" + name + "': " + nl_geterror(code));
}

}  // namespace nexus::net
