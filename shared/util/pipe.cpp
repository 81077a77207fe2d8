#include "shared/util/pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"

namespace nexus {

Pipe make_pipe(const std::string& what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw sys_error("create " + what, errno);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace nexus
