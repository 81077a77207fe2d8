#include "tests/testutil/root.h"

#include <unistd.h>

#include <cstdlib>

namespace nexus::testutil {
bool can_unshare_net() { return ::geteuid() == 0; }
bool skip_root_tests() { return !can_unshare_net() && std::getenv("NEXUS_REQUIRE_ROOT_TESTS") == nullptr; }
}  // namespace nexus::testutil
