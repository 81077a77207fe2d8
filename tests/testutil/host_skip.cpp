#include "tests/testutil/host_skip.h"

#include <cstdio>

namespace nexus::testutil {
namespace {
void print_marker(const char* marker, const std::string& text) {
  std::printf("%s %s\n", marker, text.c_str());
  std::fflush(stdout);
}
}  // namespace

void report_host_skip(const std::string& reason) { print_marker("NEXUS-HOST-SKIP:", reason); }
void report_kernel_lacks(const std::string& feature) { print_marker("NEXUS-KERNEL-LACKS:", feature); }
void report_kernel_has(const std::string& feature) { print_marker("NEXUS-KERNEL-HAS:", feature); }
}  // namespace nexus::testutil
