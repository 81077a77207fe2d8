// ADD results and prevResult: parse_result then encode_result in the same version must parse again to an equal
// Result; encoding in any other supported version must be accepted by that version and be stable from then on.
#include <nlohmann/json.hpp>

#include "fuzz/finding.h"
#include "shared/base/error.h"
#include "shared/cni/result.h"
#include "shared/cni/version.h"

using nexus::fuzz::finding;
using namespace nexus::cni;
using nexus::Code;
using nexus::Error;

namespace {

// The result's own cniVersion, else one picked by the input so every version gets exercised.
std::string version_of(const nlohmann::json& j, size_t size) {
  if (j.is_object() && j.contains("cniVersion") && j["cniVersion"].is_string()) return j["cniVersion"];
  return std::string(kSupportedVersions[size % kSupportedVersions.size()]);
}

Result reparse(const Result& r, const std::string& version) {
  const nlohmann::json encoded = encode_result(r, version);
  // Through text too, as a runtime receives it.
  return parse_result(nlohmann::json::parse(encoded.dump()), version);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const auto j = nlohmann::json::parse(nexus::fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  const std::string version = version_of(j, size);
  Result r;
  try {
    r = parse_result(j, version);
  } catch (const Error&) {
    return 0;
  }
  if (reparse(r, version) != r) finding("round trip in " + version + " changes " + j.dump());
  for (const auto other : kSupportedVersions) {
    const Result converted = reparse(r, std::string(other));
    if (reparse(converted, std::string(other)) != converted)
      finding("conversion to " + std::string(other) + " is not stable for " + j.dump());
  }
  return 0;
}
