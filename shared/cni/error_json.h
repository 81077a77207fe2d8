#pragma once
// The spec's error object (SPEC.md "Error"), the form an Error takes on the wire.
#include <nlohmann/json.hpp>
#include <string>

#include "shared/base/error.h"

namespace nexus::cni {

/// {"code", "msg", "details" when not empty}, without cniVersion.
nlohmann::json error_json(Code code, const std::string& msg, const std::string& details);

}  // namespace nexus::cni
