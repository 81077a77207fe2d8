// IPAM ranges as JSON: an object is one range, an array one range set, an array of arrays a list of sets (as
// ipam.ranges). Parsing either throws nexus::Error or yields ranges whose invariants hold.
#include <nlohmann/json.hpp>

#include "fuzz/finding.h"
#include "shared/base/error.h"
#include "shared/ipam/range.h"

using nexus::fuzz::finding;
using namespace nexus::ipam;

namespace {

void check_range(const Range& r) {
  const std::string text = r.to_string();
  if (r.start.is_v4() != r.subnet.is_v4() || r.end.is_v4() != r.subnet.is_v4()) finding("mixed family: " + text);
  if (r.start > r.end) finding("start after end: " + text);
  if (!r.subnet.contains(r.start) || !r.subnet.contains(r.end)) finding("range outside subnet: " + text);
  if (r.subnet.masked() != r.subnet) finding("subnet keeps host bits: " + r.subnet.to_string());
  if (!r.gateway) finding("no gateway: " + text);
  if (!r.contains(r.start) || !r.contains(r.end)) finding("range does not contain its ends: " + text);
  if (r.is_allocatable(r.subnet.network()) || r.is_allocatable(*r.gateway)) finding("reserved allocatable: " + text);
}

void check_set(const RangeSet& set) {
  for (const Range& r : set) {
    check_range(r);
    if (find_range(set, r.start) != &r || find_range(set, r.end) != &r) finding("overlap in " + to_string(set));
  }
}

void parse_sets(const nlohmann::json& j) {
  std::vector<RangeSet> sets;
  for (const auto& set : j) sets.push_back(parse_range_set(set));
  validate_range_sets(sets);
  for (const auto& set : sets) check_set(set);
  for (size_t a = 0; a < sets.size(); ++a)
    for (size_t b = a + 1; b < sets.size(); ++b)
      for (const Range& r : sets[b])
        if (find_range(sets[a], r.start) || find_range(sets[a], r.end)) finding("sets overlap: " + r.to_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const auto j = nlohmann::json::parse(nexus::fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    if (j.is_object()) {
      check_range(parse_range(j));
    } else if (j.is_array() && !j.empty() && j.front().is_array()) {
      parse_sets(j);
    } else {
      const RangeSet set = parse_range_set(j);
      validate_range_set(set);
      check_set(set);
    }
  } catch (const nexus::Error&) {
  }
  return 0;
}
