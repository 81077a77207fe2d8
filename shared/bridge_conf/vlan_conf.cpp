#include "shared/bridge_conf/vlan_conf.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "shared/base/error.h"
#include "shared/cni/json_fields.h"
#include "shared/util/fnv1a.h"

namespace nexus::bridge_plugin {
namespace {

using nlohmann::json;

// j[key], or null when absent or null (null is "not given", as in the reference's Go pointers).
const json* field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// A VLAN id: code 6 unless a JSON integer, code 7 outside min..4094; `what` names the key in messages.
unsigned vlan_id(const json& v, const std::string& what, unsigned min) {
  if (!v.is_number_integer())
    throw Error(Code::DecodeFailure, "field \"" + what + "\" must be an integer, got " + v.dump());
  const bool in_range = v.is_number_unsigned() ? v.get<unsigned long long>() >= min &&
                                                     v.get<unsigned long long>() <= net::kMaxVlanId
                                               : v.get<long long>() >= static_cast<long long>(min) &&
                                                     v.get<long long>() <= static_cast<long long>(net::kMaxVlanId);
  if (!in_range)
    throw Error(Code::InvalidConfig, "invalid " + what + " " + v.dump() + ": VLAN ids are " + std::to_string(min) +
                                         " to " + std::to_string(net::kMaxVlanId));
  return static_cast<unsigned>(v.get<unsigned long long>());
}

std::string describe(const VlanRange& r) {
  return r.first == r.last ? std::to_string(r.first) : std::to_string(r.first) + "-" + std::to_string(r.last);
}

// One entry of vlanTrunk: {id}, {minID, maxID}, or (as the reference allows) both, appended to `out`.
void parse_trunk_entry(const json& item, size_t index, std::vector<VlanRange>& out) {
  const std::string name = "vlanTrunk[" + std::to_string(index) + "]";
  if (!item.is_object())
    throw Error(Code::DecodeFailure, "field \"vlanTrunk\" must be a list of objects {id} or {minID, maxID}, got " +
                                         item.dump() + " at " + name);
  const json* id = field(item, "id");
  const json* min = field(item, "minID");
  const json* max = field(item, "maxID");
  if (min != nullptr || max != nullptr) {
    if (min == nullptr || max == nullptr)
      throw Error(Code::InvalidConfig, name + ": minID and maxID go together, " +
                                           (min == nullptr ? "minID" : "maxID") + " is missing");
    const unsigned first = vlan_id(*min, name + ".minID", net::kMinVlanId);
    const unsigned last = vlan_id(*max, name + ".maxID", net::kMinVlanId);
    if (first > last)
      throw Error(Code::InvalidConfig, name + ": minID " + std::to_string(first) + " is greater than maxID " +
                                           std::to_string(last));
    out.push_back({first, last});
  }
  if (id != nullptr) {
    const unsigned vid = vlan_id(*id, name + ".id", net::kMinVlanId);
    out.push_back({vid, vid});
  }
  if (id == nullptr && min == nullptr && max == nullptr)
    throw Error(Code::InvalidConfig, name + " has neither id nor minID and maxID: " + item.dump());
}

// Sorted and checked for overlaps; ranges that touch (10-19, 20) are merged, which changes nothing they mean.
std::vector<VlanRange> normalize(std::vector<VlanRange> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const VlanRange& a, const VlanRange& b) { return a.first < b.first; });
  std::vector<VlanRange> out;
  for (const VlanRange& r : ranges) {
    if (!out.empty() && r.first <= out.back().last)
      throw Error(Code::InvalidConfig, "vlanTrunk entries overlap: " + describe(out.back()) + " and " + describe(r),
                  "name each VLAN once (the reference plugin merges overlapping entries silently)");
    if (!out.empty() && r.first == out.back().last + 1)
      out.back().last = r.last;
    else
      out.push_back(r);
  }
  return out;
}

}  // namespace

VlanConf VlanConf::parse(const json& j) {
  VlanConf c;
  if (const json* v = field(j, "vlan"); v != nullptr) c.vlan = vlan_id(*v, "vlan", 0);
  if (const json* t = field(j, "vlanTrunk"); t != nullptr) {
    if (!t->is_array())
      throw Error(Code::DecodeFailure, "field \"vlanTrunk\" must be a list of objects {id} or {minID, maxID}, got " +
                                           t->dump());
    std::vector<VlanRange> ranges;
    for (size_t i = 0; i < t->size(); ++i) parse_trunk_entry((*t)[i], i, ranges);
    c.trunk = normalize(std::move(ranges));
  }
  c.preserve_default = cni::opt_bool(j, "preserveDefaultVlan").value_or(false);
  return c;
}

std::vector<net::VlanEntry> port_vlan_entries(const VlanConf& conf) {
  std::vector<net::VlanEntry> entries;
  if (!conf.enabled()) return entries;
  const auto vid = [](unsigned v) { return static_cast<uint16_t>(v); };
  const unsigned native = conf.vlan != 0 ? conf.vlan : 1;
  entries.push_back({.first = vid(native), .last = vid(native), .pvid = true, .untagged = true});
  // The native VLAN wins over the trunk's tagged one: the port has one entry per VLAN, and a trunk's native
  // VLAN is untagged by definition.
  for (const VlanRange& r : conf.trunk) {
    if (native < r.first || native > r.last) {
      entries.push_back({.first = vid(r.first), .last = vid(r.last)});
      continue;
    }
    if (r.first < native) entries.push_back({.first = vid(r.first), .last = vid(native - 1)});
    if (native < r.last) entries.push_back({.first = vid(native + 1), .last = vid(r.last)});
  }
  return entries;
}

std::string missing_port_vlan(const std::vector<net::VlanEntry>& want, const std::vector<net::VlanEntry>& have) {
  std::map<unsigned, const net::VlanEntry*> present;  // at most 4094 VLANs
  for (const net::VlanEntry& e : have)
    for (unsigned v = e.first; v <= e.last; ++v) present[v] = &e;
  for (const net::VlanEntry& e : want)
    for (unsigned v = e.first; v <= e.last; ++v) {
      const std::string vlan = "VLAN " + std::to_string(v);
      const auto it = present.find(v);
      if (it == present.end()) return vlan + " is missing";
      if (it->second->untagged != e.untagged) return vlan + (e.untagged ? " is not untagged" : " is untagged");
      if (it->second->pvid != e.pvid) return vlan + (e.pvid ? " is not the port's pvid" : " is the port's pvid");
    }
  return "";
}

std::string vlan_gateway_name(const std::string& bridge, unsigned vlan) {
  return bridge + "." + std::to_string(vlan);
}

std::string vlan_gateway_port_name(const std::string& bridge, unsigned vlan) {
  const uint64_t h = fnv1a(bridge + '\0' + std::to_string(vlan));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010llx", static_cast<unsigned long long>(h >> 24));
  return "nexv-" + std::string(buf);
}

}  // namespace nexus::bridge_plugin
