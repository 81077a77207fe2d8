#include "tests/testutil/bind_mount_wrapper.h"

#include <sys/stat.h>

#include <fstream>

namespace nexus::testutil {

std::string bind_mount_wrapper(const TempDir& dir, const std::string& name, const std::string& source,
                               const std::string& target, const std::string& program) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << "#!/bin/sh\nexec unshare --mount --propagation private sh -c "
                      << "'mount --bind \"$0\" \"$1\" && exec \"$2\"' '" << source << "' '" << target << "' '"
                      << program << "'\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace nexus::testutil
