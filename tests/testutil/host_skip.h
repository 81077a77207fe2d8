#pragma once
// A case that cannot run on this host returns early through one of these macros, which print one marker line;
// ctest counts the case as skipped on it (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt) and scripts/test lists
// the case by name with the reason.
// - NEXUS_SKIP_ON_HOST (a cgroup layout or controller the host lacks, ...): the run FAILS, so a skipped
//   integration case is never a silent pass.
// - NEXUS_SKIP_WITHOUT_KERNEL_FEATURE: the kernel was built without an optional feature the case exercises
//   (bridge VLAN filtering, 802.1Q). Many hosts have it and some (this project's CI) do not; the run passes,
//   still listing the case with its reason. Use it only after the case has shown the feature is really missing
//   (a probe in its throwaway netns, tests/testutil/kernel_features.h), never on a guess.
// - NEXUS_SKIP_WITH_KERNEL_FEATURE: the mirror image, for a case that shows how Nexus behaves on a kernel WITHOUT
//   the feature and so has nothing to show on a kernel that has it; same rules.
#include <string>

namespace nexus::testutil {
/// Prints "NEXUS-HOST-SKIP: <reason>" on stdout (the marker ctest and scripts/test look for).
void report_host_skip(const std::string& reason);
/// Prints "NEXUS-KERNEL-LACKS: <feature>".
void report_kernel_lacks(const std::string& feature);
/// Prints "NEXUS-KERNEL-HAS: <feature>".
void report_kernel_has(const std::string& feature);
}  // namespace nexus::testutil

#define NEXUS_SKIP_ON_HOST(reason)                    \
  do {                                                \
    ::nexus::testutil::report_host_skip(reason);      \
    return;                                           \
  } while (0)

#define NEXUS_SKIP_WITHOUT_KERNEL_FEATURE(feature)    \
  do {                                                \
    ::nexus::testutil::report_kernel_lacks(feature);  \
    return;                                           \
  } while (0)

#define NEXUS_SKIP_WITH_KERNEL_FEATURE(feature)       \
  do {                                                \
    ::nexus::testutil::report_kernel_has(feature);    \
    return;                                           \
  } while (0)
