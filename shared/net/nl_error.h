#pragma once
// Turning a libnl error code into the one Nexus error type.
#include <string>

#include "shared/base/error.h"

namespace nexus::net {

/// A failed netlink request as Error: message "<verb> <object> '<name>': <nl_geterror>". `nl_err` is a
/// libnl code (negative or positive). Contention (NLE_BUSY, NLE_AGAIN, NLE_DUMP_INTR) maps to code 11, the rest
/// to 999.
Error nl_error(const std::string& verb, const std::string& object, const std::string& name, int nl_err);

}  // namespace nexus::net
