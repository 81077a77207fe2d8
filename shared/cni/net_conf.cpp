#include "shared/cni/net_conf.h"

#include "shared/base/error.h"
#include "shared/cni/json_fields.h"
#include "shared/cni/validate.h"

namespace nexus::cni {

NetConf NetConf::parse(const Request& req) {
  const auto& j = req.config;
  NetConf c;
  c.cni_version = req.cni_version;
  c.name = required_string(j, "name");
  validate_network_name(c.name);
  // The spec requires "type" and libcni refuses a config without it, so one that reaches us was not read by a
  // runtime as a network config: refuse it rather than guess what was meant (the reference plugins do too).
  c.type = opt_string(j, "type").value_or("");
  if (c.type.empty())
    throw Error(Code::InvalidConfig, "missing required field \"type\"",
                "the spec requires every plugin configuration to name its plugin in \"type\"");
  if (auto ipam = opt_object(j, "ipam")) {
    c.ipam = std::move(*ipam);
    c.ipam_type = opt_string(c.ipam, "type").value_or("");
    if (!c.ipam_type.empty()) validate_plugin_type(c.ipam_type, "ipam.type");
  }
  if (j.contains("dns") && !j["dns"].is_null()) c.dns = parse_dns(j["dns"]);
  if (auto rc = opt_object(j, "runtimeConfig")) c.runtime_config = std::move(*rc);
  if (auto args = opt_object(j, "args")) c.args = std::move(*args);
  if (auto prev = opt_object(j, "prevResult")) c.prev_result = parse_result(*prev, c.cni_version);
  return c;
}

std::vector<Attachment> valid_attachments(const nlohmann::json& config) {
  std::optional<nlohmann::json> list = opt_array(config, "cni.dev/valid-attachments");
  if (!list) list = opt_array(config, "cni.dev/attachments");
  // Without the list every lease would look stale: refuse rather than release everything.
  if (!list)
    throw Error(Code::InvalidConfig, "GC needs \"cni.dev/valid-attachments\"",
                "pass an empty list to release every attachment of the network");
  std::vector<Attachment> out;
  for (const auto& a : *list) {
    if (!a.is_object()) throw Error(Code::DecodeFailure, "cni.dev/valid-attachments entries must be objects");
    out.push_back({required_string(a, "containerID"), required_string(a, "ifname")});
  }
  return out;
}

}  // namespace nexus::cni
