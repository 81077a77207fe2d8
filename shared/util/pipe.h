#pragma once
// A close-on-exec pipe whose two ends close themselves.
#include <string>

#include "shared/util/unique_fd.h"

namespace nexus {

struct Pipe {
  UniqueFd read, write;
};

/// pipe2(O_CLOEXEC); throws Error ("create <what>: <reason>") on failure.
Pipe make_pipe(const std::string& what);

}  // namespace nexus
