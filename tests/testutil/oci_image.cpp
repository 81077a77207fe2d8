#include "tests/testutil/oci_image.h"

#include <doctest/doctest.h>
#include <sys/utsname.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/testutil/command.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace nexus::testutil {
namespace {

/// The OCI name of this machine's architecture (the platform ctr imports and unpacks by default).
std::string oci_architecture() {
  utsname u{};
  ::uname(&u);
  const std::string machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return machine;
}

/// Moves `file` into the layout's blobs/sha256 under its digest; returns its descriptor.
json add_blob(const std::string& layout, const std::string& file, const std::string& media_type) {
  const CommandResult sum = run_command({"sha256sum", file});
  REQUIRE_MESSAGE(sum.exit_code == 0, sum.err);
  const std::string hex = sum.out.substr(0, 64);
  const auto size = fs::file_size(file);
  fs::rename(file, layout + "/blobs/sha256/" + hex);
  return {{"mediaType", media_type}, {"digest", "sha256:" + hex}, {"size", size}};
}

json add_json_blob(const std::string& layout, const std::string& scratch, const json& content,
                   const std::string& media_type) {
  const std::string file = scratch + "/blob.json";
  std::ofstream(file) << content.dump();
  return add_blob(layout, file, media_type);
}

}  // namespace

void write_oci_archive(const std::string& rootfs, const std::string& name, const std::string& archive,
                       const std::string& scratch) {
  const std::string layout = scratch + "/layout";
  fs::create_directories(layout + "/blobs/sha256");
  const std::string layer_tar = scratch + "/layer.tar";
  const CommandResult tar = run_command({"tar", "--numeric-owner", "--owner=0", "--group=0", "-C", rootfs, "-cf",
                                         layer_tar, "."});
  REQUIRE_MESSAGE(tar.exit_code == 0, tar.err);
  // Uncompressed: the layer's digest is also its diff_id.
  const json layer = add_blob(layout, layer_tar, "application/vnd.oci.image.layer.v1.tar");
  const json platform = {{"architecture", oci_architecture()}, {"os", "linux"}};
  json config = platform;
  config["config"] = {{"Cmd", json::array({"/bin/sh"})}};
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", json::array({layer["digest"]})}};
  const json manifest = {{"schemaVersion", 2},
                         {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                         {"config", add_json_blob(layout, scratch, config, "application/vnd.oci.image.config.v1+json")},
                         {"layers", json::array({layer})}};
  json entry = add_json_blob(layout, scratch, manifest, "application/vnd.oci.image.manifest.v1+json");
  entry["platform"] = platform;
  entry["annotations"] = {{"io.containerd.image.name", name}};  // the name ctr import gives the image
  std::ofstream(layout + "/index.json") << json{{"schemaVersion", 2}, {"manifests", json::array({entry})}}.dump();
  std::ofstream(layout + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  const CommandResult pack = run_command({"tar", "-C", layout, "-cf", archive, "."});
  REQUIRE_MESSAGE(pack.exit_code == 0, pack.err);
}

}  // namespace nexus::testutil
