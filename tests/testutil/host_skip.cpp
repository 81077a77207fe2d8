#include "tests/testutil/host_skip.h"

#include <cstdio>

namespace nexus::testutil {
void report_host_skip(const std::string& reason) {
  std::printf("NEXUS-HOST-SKIP: %s\n", reason.c_str());
  std::fflush(stdout);
}
}  // namespace nexus::testutil
