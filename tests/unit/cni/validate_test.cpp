#include "shared/cni/validate.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"
#include "tests/testutil/cni_error.h"

using namespace nexus::cni;
using nexus::Code;
using nexus::Error;
using nexus::testutil::thrown_cni_code;

TEST_CASE("identifiers: libcni's pattern") {
  for (const char* ok : {"a", "node-001", "A_b.c-9", "0abc"}) CHECK(is_valid_identifier(ok));
  for (const char* bad : {"", ".", "..", "-a", "_a", ".a", "a/b", "a b", "a\nb", "a:b"}) CHECK_FALSE(is_valid_identifier(bad));
}

TEST_CASE("interface names: kernel rules") {
  for (const char* ok : {"eth0", "a", "net1.100", "exactly15chars_"}) CHECK(is_valid_ifname(ok));
  for (const char* bad : {"", ".", "..", "sixteen_chars_xx", "a/b", "a:b", "a b", "a\tb"}) CHECK_FALSE(is_valid_ifname(bad));
}

TEST_CASE("validation errors carry the right code") {
  CHECK_THROWS_AS(validate_container_id("../x"), Error);
  CHECK(thrown_cni_code([] { validate_network_name("../x"); }) == static_cast<int>(Code::InvalidConfig));
  CHECK(thrown_cni_code([] { validate_ifname("x/y"); }) == static_cast<int>(Code::InvalidEnv));
  CHECK(thrown_cni_code([] { validate_plugin_type("../bin/sh", "ipam.type"); }) == static_cast<int>(Code::InvalidConfig));
  CHECK_THROWS_WITH_AS(validate_plugin_type("../bin/sh", "ipam.type"), doctest::Contains("ipam.type"), Error);
}
