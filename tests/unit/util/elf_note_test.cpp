// read_elf_note: finds the build identity note in the plugins the build made, and nothing in what is not a
// native ELF file of ours.
#include <doctest/doctest.h>

#include <fstream>

#include "shared/cni/build_identity.h"
#include "shared/util/elf_note.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus;
using nexus::testutil::TempDir;

namespace {

std::optional<std::string> identity_of(const std::string& path) {
  return read_elf_note(path, cni::kBuildIdentityNoteOwner, cni::kBuildIdentityNoteType);
}

}  // namespace

TEST_CASE("elf note: nexus-ipam and nexus-bridge of one build carry the same 64-hex-digit identity") {
  const auto ipam = identity_of(std::string(NEXUS_BUILD_DIR) + "/nexus-ipam");
  const auto bridge = identity_of(std::string(NEXUS_BUILD_DIR) + "/nexus-bridge");
  REQUIRE(ipam);
  CHECK(ipam->size() == 64);
  CHECK(ipam->find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(bridge == ipam);
}

TEST_CASE("elf note: no identity in a script, a truncated copy, a missing file, or under another owner") {
  TempDir dir;
  const std::string script = dir.path() + "/script";
  std::ofstream(script) << "#!/bin/sh\nexec true\n";
  CHECK_FALSE(identity_of(script));
  std::ifstream real(std::string(NEXUS_BUILD_DIR) + "/nexus-ipam", std::ios::binary);
  std::string head(200, '\0');
  real.read(head.data(), static_cast<std::streamsize>(head.size()));
  const std::string truncated = dir.path() + "/truncated";
  std::ofstream(truncated, std::ios::binary) << head;
  CHECK_FALSE(identity_of(truncated));
  CHECK_FALSE(identity_of(dir.path() + "/missing"));
  CHECK_FALSE(read_elf_note(std::string(NEXUS_BUILD_DIR) + "/nexus-ipam", "Nexu", cni::kBuildIdentityNoteType));
  CHECK_FALSE(read_elf_note(std::string(NEXUS_BUILD_DIR) + "/nexus-ipam", "Nexus", 2));
}
