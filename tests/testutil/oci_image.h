#pragma once
// An OCI image made offline from a directory, for runtimes that only run images (containerd's ctr).
#include <string>

namespace nexus::testutil {

/// Writes `archive`: an OCI image layout tar (oci-layout, index.json, blobs/sha256) of one uncompressed layer
/// holding `rootfs`, for linux and this machine's architecture, named `name` ("docker.io/nexus/busybox:test") as
/// `ctr image import` reads it. Works in `scratch`. The test fails (REQUIRE) when tar or sha256sum does.
void write_oci_archive(const std::string& rootfs, const std::string& name, const std::string& archive,
                       const std::string& scratch);

}  // namespace nexus::testutil
