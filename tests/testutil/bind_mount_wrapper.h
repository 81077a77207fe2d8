#pragma once
// A program run as on a host where one file is another: a wrapper script that starts it in a private mount
// namespace with `source` bind-mounted over `target`. The plugin is run exactly as a runtime runs it (the
// wrapper execs it with the runtime's environment and stdin), and the test's own view of the files is unchanged.
#include <string>

#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

/// Writes the wrapper as `dir`/`name` (mode 0755) and returns its path. `source` is bound each time the wrapper
/// starts, so a test may change the file's content between runs.
std::string bind_mount_wrapper(const TempDir& dir, const std::string& name, const std::string& source,
                               const std::string& target, const std::string& program);

}  // namespace nexus::testutil
