#pragma once
// Root-only tests skip when not root, unless NEXUS_REQUIRE_ROOT_TESTS is set (CI sets it): then they fail,
// so nothing passes hollow.
namespace nexus::testutil {
/// True when this process may create network namespaces (root).
bool can_unshare_net();
/// Value for doctest::skip(): skip root-only cases when we lack root and nobody demands them.
bool skip_root_tests();
}  // namespace nexus::testutil
