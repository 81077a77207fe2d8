#include "shared/base/error.h"

#include <doctest/doctest.h>

#include <cerrno>

using nexus::Code;

TEST_CASE("sys_error: transient errno values map to try-again-later, others to internal") {
  CHECK(nexus::sys_error("lock", EAGAIN).code() == Code::TryAgainLater);
  const auto e = nexus::sys_error("open '/x'", ENOENT);
  CHECK(e.code() == Code::Internal);
  CHECK(std::string(e.what()) == "open '/x': No such file or directory");
}
