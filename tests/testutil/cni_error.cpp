#include "tests/testutil/cni_error.h"

#include <nlohmann/json.hpp>

namespace nexus::testutil {

std::string cni_error_mismatch(const PluginRun& run, unsigned code) {
  const std::string printed = "\nexit " + std::to_string(run.exit_code) + "\nstdout: " + run.out + "\nstderr: " + run.err;
  if (run.exit_code == 0) return "succeeded, expected CNI error " + std::to_string(code) + printed;
  if (run.exit_code < 0 || run.exit_code >= 128) return "killed (timeout or signal), not a CNI error" + printed;
  const nlohmann::json j = nlohmann::json::parse(run.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "stdout is not one JSON object" + printed;
  if (!j.contains("cniVersion") || !j["cniVersion"].is_string()) return "error without cniVersion" + printed;
  if (!j.contains("code") || !j["code"].is_number_unsigned()) return "error without a numeric code" + printed;
  if (!j.contains("msg") || !j["msg"].is_string() || j["msg"].get<std::string>().empty())
    return "error without a msg" + printed;
  if (j["code"].get<unsigned>() != code)
    return "code " + std::to_string(j["code"].get<unsigned>()) + ", expected " + std::to_string(code) + printed;
  return {};
}

}  // namespace nexus::testutil
