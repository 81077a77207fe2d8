#pragma once
// A case that cannot run on this host for a reason outside the project (a kernel feature, a cgroup layout or
// controller the host lacks) returns early through NEXUS_SKIP_ON_HOST. It prints one marker line; ctest counts
// the case as skipped on it (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt), and scripts/test lists the case
// by name with the reason, and fails the run: a skipped integration case is never a silent pass.
#include <string>

namespace nexus::testutil {
/// Prints "NEXUS-HOST-SKIP: <reason>" on stdout (the marker ctest and scripts/test look for).
void report_host_skip(const std::string& reason);
}  // namespace nexus::testutil

#define NEXUS_SKIP_ON_HOST(reason)                    \
  do {                                                \
    ::nexus::testutil::report_host_skip(reason);      \
    return;                                           \
  } while (0)
