#pragma once
// Typed access to optional JSON fields with CNI error codes: a wrong type is code 6 naming the key.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nexus::cni {

/// Object value of j[key], or nullopt when absent or null.
std::optional<nlohmann::json> opt_object(const nlohmann::json& j, const char* key);
std::optional<nlohmann::json> opt_array(const nlohmann::json& j, const char* key);
std::optional<std::string> opt_string(const nlohmann::json& j, const char* key);
std::optional<bool> opt_bool(const nlohmann::json& j, const char* key);
std::optional<unsigned> opt_uint(const nlohmann::json& j, const char* key);
std::optional<std::vector<std::string>> opt_strings(const nlohmann::json& j, const char* key);
/// The string at j[key]; code 7 when missing or empty, 6 when not a string.
std::string required_string(const nlohmann::json& j, const char* key);

}  // namespace nexus::cni
