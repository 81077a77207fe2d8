#include "shared/runtime/version.h"

#include <doctest/doctest.h>

#include "shared/cni/version.h"

using namespace nexus::runtime;

TEST_CASE("parse_version accepts only major.minor.patch") {
  using nexus::cni::parse_version;
  CHECK(parse_version("1.1.0") == std::array<unsigned, 3>{1, 1, 0});
  CHECK_FALSE(parse_version("1.1"));
  CHECK_FALSE(parse_version("1.1.0-rc1"));
  CHECK_FALSE(parse_version(""));
  CHECK_FALSE(parse_version("1.-1.0"));
}

TEST_CASE("version_less orders semantically, not lexically") {
  CHECK(version_less("0.4.0", "1.0.0"));
  CHECK(version_less("0.3.1", "0.4.0"));
  CHECK(version_less("0.9.0", "0.10.0"));
  CHECK_FALSE(version_less("1.0.0", "1.0.0"));
}

TEST_CASE("negotiate_version picks the highest version everyone speaks") {
  CHECK(negotiate_version({"1.1.0", "1.0.0", "0.4.0"}, {}) == "1.1.0");
  // The reference plugins of Debian 12 stop at 1.0.0.
  CHECK(negotiate_version({"1.1.0", "1.0.0"}, {{"0.4.0", "1.0.0"}, {"1.0.0", "1.1.0"}}) == "1.0.0");
  CHECK(negotiate_version({"0.4.0"}, {{"0.4.0", "1.0.0"}}) == "0.4.0");
  // An unknown plugin (empty list) restricts nothing.
  CHECK(negotiate_version({"1.1.0"}, {{}}) == "1.1.0");
  CHECK_FALSE(negotiate_version({"1.1.0"}, {{"0.4.0", "1.0.0"}}));
  // Versions the runtime cannot parse results of are never picked.
  CHECK_FALSE(negotiate_version({"0.2.0"}, {}));
  CHECK_FALSE(negotiate_version({"9.9.9"}, {}));
}
