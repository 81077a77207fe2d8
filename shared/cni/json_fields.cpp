#include "shared/cni/json_fields.h"

#include "shared/base/error.h"

namespace nexus::cni {
namespace {

const nlohmann::json* find_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(const char* key, const char* expected, const nlohmann::json& value) {
  throw Error(Code::DecodeFailure, std::string("field \"") + key + "\" must be " + expected + ", got " + value.dump());
}

}  // namespace

std::optional<nlohmann::json> opt_object(const nlohmann::json& j, const char* key) {
  const auto* v = find_field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_object()) wrong_type(key, "an object", *v);
  return *v;
}

std::optional<nlohmann::json> opt_array(const nlohmann::json& j, const char* key) {
  const auto* v = find_field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_array()) wrong_type(key, "an array", *v);
  return *v;
}

std::optional<std::string> opt_string(const nlohmann::json& j, const char* key) {
  const auto* v = find_field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong_type(key, "a string", *v);
  return v->get<std::string>();
}

std::optional<bool> opt_bool(const nlohmann::json& j, const char* key) {
  const auto* v = find_field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong_type(key, "a boolean", *v);
  return v->get<bool>();
}

std::optional<unsigned> opt_uint(const nlohmann::json& j, const char* key) {
  const auto* v = find_field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number_unsigned() || v->get<unsigned long long>() > 0xffffffffULL)
    wrong_type(key, "an unsigned 32-bit integer", *v);
  return v->get<unsigned>();
}

std::optional<std::vector<std::string>> opt_strings(const nlohmann::json& j, const char* key) {
  const auto* v = find_field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_array()) wrong_type(key, "a list of strings", *v);
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) wrong_type(key, "a list of strings", *v);
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string required_string(const nlohmann::json& j, const char* key) {
  auto s = opt_string(j, key);
  if (!s || s->empty()) throw Error(Code::InvalidConfig, std::string("missing required field \"") + key + "\"");
  return *s;
}

}  // namespace nexus::cni
