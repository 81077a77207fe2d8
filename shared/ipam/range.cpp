#include "shared/ipam/range.h"

#include <nlohmann/json.hpp>

#include "shared/base/error.h"

namespace nexus::ipam {
namespace {


[[noreturn]] void invalid(const std::string& key, const nlohmann::json& value, const std::string& why) {
  throw Error(Code::InvalidConfig, "invalid " + key + " " + value.dump() + ": " + why);
}

const std::string& text_of(const std::string& key, const nlohmann::json& value) {
  if (!value.is_string()) invalid(key, value, "must be a string");
  return value.get_ref<const std::string&>();
}

IpPrefix parse_subnet(const nlohmann::json& object) {
  if (!object.contains("subnet")) throw Error(Code::InvalidConfig, "invalid range: missing \"subnet\"");
  const nlohmann::json& value = object.at("subnet");
  const auto prefix = IpPrefix::parse(text_of("subnet", value));
  if (!prefix) invalid("subnet", value, "not an address prefix like 10.0.0.0/24");
  // Fewer than two host bits leaves nothing to allocate once network and gateway are taken (host-local rule).
  if (prefix->length() > prefix->address().bits() - 2) invalid("subnet", value, "too small to allocate from");
  // host-local refuses host bits too: "10.0.42.5/24" may mean the network 10.0.42.0/24 or a typo of a
  // different one, and guessing would hand out addresses from a pool nobody asked for.
  if (!(*prefix == prefix->masked()))
    invalid("subnet", value, prefix->to_string() + " has host bits set; did you mean " +
                                 prefix->masked().to_string() + "?");
  return *prefix;
}

// An optional address key of a range: absent -> nullopt; present -> inside the subnet or an error.
std::optional<IpAddress> parse_member(const nlohmann::json& object, const std::string& key, const IpPrefix& subnet) {
  if (!object.contains(key) || object.at(key).is_null()) return std::nullopt;
  const nlohmann::json& value = object.at(key);
  const auto addr = IpAddress::parse(text_of(key, value));
  if (!addr) invalid(key, value, "not an IP address");
  if (!subnet.contains(*addr)) invalid(key, value, "not in subnet " + subnet.to_string());
  return addr;
}

bool overlaps(const Range& a, const Range& b) {
  return a.start.is_v4() == b.start.is_v4() && a.start <= b.end && b.start <= a.end;
}

}  // namespace

// Two range sets sharing an address would make one allocation satisfy both (host-local rejects this too).
static void check_disjoint(const std::vector<RangeSet>& sets, std::size_t i, std::size_t j) {
  for (const Range& a : sets[i]) {
    for (const Range& b : sets[j]) {
      if (!overlaps(a, b)) continue;
      throw Error(Code::InvalidConfig, "invalid range " + b.to_string() + " in range set " + std::to_string(j) +
                                           ": overlaps range " + a.to_string() + " in range set " + std::to_string(i));
    }
  }
}

bool Range::contains(const IpAddress& a) const noexcept {
  return a.is_v4() == start.is_v4() && start <= a && a <= end;
}

bool Range::is_allocatable(const IpAddress& a) const noexcept {
  if (!contains(a) || a == gateway || a == subnet.network()) return false;
  return !(a.is_v4() && a == subnet.last());
}

std::string Range::to_string() const { return start.to_string() + "-" + end.to_string(); }

Range parse_range(const nlohmann::json& object) {
  if (!object.is_object()) invalid("range", object, "must be an object");
  const IpPrefix subnet = parse_subnet(object);
  const IpAddress first = *subnet.network().next();
  const IpAddress last = subnet.is_v4() ? *subnet.last().prev() : subnet.last();
  Range r{subnet, first, last, first};
  if (auto gw = parse_member(object, "gateway", subnet)) r.gateway = *gw;
  if (auto start = parse_member(object, "rangeStart", subnet)) r.start = *start;
  if (auto end = parse_member(object, "rangeEnd", subnet)) r.end = *end;
  if (r.start > r.end) invalid("rangeStart", r.start.to_string(), "after rangeEnd " + r.end.to_string());
  return r;
}

RangeSet parse_range_set(const nlohmann::json& array) {
  if (!array.is_array()) invalid("range set", array, "must be an array of range objects");
  RangeSet set;
  for (const auto& object : array) set.push_back(parse_range(object));
  validate_range_set(set);
  return set;
}

void validate_range_set(const RangeSet& set) {
  if (set.empty()) throw Error(Code::InvalidConfig, "invalid range set []: empty range set");
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (set[i].start.is_v4() != set[0].start.is_v4())
      throw Error(Code::InvalidConfig, "invalid range set [" + to_string(set) + "]: mixed address families");
    for (std::size_t j = i + 1; j < set.size(); ++j) {
      if (overlaps(set[i], set[j]))
        throw Error(Code::InvalidConfig,
                    "invalid range " + set[j].to_string() + ": overlaps range " + set[i].to_string());
    }
  }
}

void validate_range_sets(const std::vector<RangeSet>& sets) {
  if (sets.empty()) throw Error(Code::InvalidConfig, "invalid ranges []: no range set");
  for (const RangeSet& set : sets) validate_range_set(set);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t j = i + 1; j < sets.size(); ++j) check_disjoint(sets, i, j);
  }
}

const Range* find_range(const RangeSet& set, const IpAddress& a) noexcept {
  for (const Range& r : set) {
    if (r.contains(a)) return &r;
  }
  return nullptr;
}

bool is_allocatable(const RangeSet& set, const IpAddress& a) noexcept {
  const Range* r = find_range(set, a);
  return r && r->is_allocatable(a);
}

std::string to_string(const RangeSet& set) {
  std::string out;
  for (const Range& r : set) out += (out.empty() ? "" : ",") + r.to_string();
  return out;
}

}  // namespace nexus::ipam
