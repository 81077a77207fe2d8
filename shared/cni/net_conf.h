#pragma once
// The fields every plugin configuration shares (SPEC.md section 1 and the conventions), parsed and validated
// before anything else happens.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "shared/cni/attachment.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"

namespace nexus::cni {

struct NetConf {
  std::string cni_version;
  std::string name;
  std::string type;
  nlohmann::json ipam = nlohmann::json::object();   // the "ipam" object, {} when absent
  std::string ipam_type;                            // ipam.type, validated as a plugin file name
  std::optional<Dns> dns;                           // "dns"
  nlohmann::json runtime_config = nlohmann::json::object();  // "runtimeConfig"
  nlohmann::json args = nlohmann::json::object();            // "args"
  std::optional<Result> prev_result;                          // "prevResult", in cni_version's format

  /// Parses the common fields of `req.config`: code 6 for wrong types, 7 for invalid values.
  static NetConf parse(const Request& req);
};

/// `cni.dev/valid-attachments` (or `cni.dev/attachments`) of a GC request; code 7 when neither is given.
std::vector<Attachment> valid_attachments(const nlohmann::json& config);

}  // namespace nexus::cni
