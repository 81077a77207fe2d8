#include "shared/cni/error_json.h"

namespace nexus::cni {

nlohmann::json error_json(Code code, const std::string& msg, const std::string& details) {
  nlohmann::json j = {{"code", static_cast<unsigned>(code)}, {"msg", msg}};
  if (!details.empty()) j["details"] = details;
  return j;
}

}  // namespace nexus::cni
