#pragma once
// Address ranges as host-local configures them ("ranges": [[{subnet, rangeStart, rangeEnd, gateway}]]),
// canonicalised the same way so one config means the same pool under both plugins.
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"

namespace nexus::ipam {

/// One pool: allocatable addresses are start..end inside subnet, minus gateway, network and IPv4 broadcast.
struct Range {
  IpPrefix subnet;                  ///< a network address: host bits set are refused (as host-local does)
  IpAddress start;                  ///< first candidate (inclusive)
  IpAddress end;                    ///< last candidate (inclusive)
  std::optional<IpAddress> gateway; ///< always set by parse_range (default network+1)

  /// True when start <= a <= end (same family).
  bool contains(const IpAddress& a) const noexcept;
  /// contains(a) and a is neither the gateway, the network address, nor the IPv4 broadcast.
  bool is_allocatable(const IpAddress& a) const noexcept;
  /// "10.0.42.1-10.0.42.254"
  std::string to_string() const;
};

/// A set of disjoint ranges of one family; an attachment gets one address from each set.
using RangeSet = std::vector<Range>;

/// Parses one range object. Defaults (host-local's): gateway = network+1; rangeStart = network+1
/// (the gateway is skipped when allocating); rangeEnd = broadcast-1 for IPv4, the last address for IPv6.
/// Throws Error(InvalidConfig) naming the key and value: missing/bad subnet, subnet too small
/// (IPv4 /31 and /32, IPv6 /127 and /128), host bits set in subnet, bad text, another family, outside the
/// subnet, start > end.
Range parse_range(const nlohmann::json& object);
/// Parses a JSON array of range objects and validates it as a set (see validate_range_set).
RangeSet parse_range_set(const nlohmann::json& array);

/// Throws Error(InvalidConfig) unless the set is non-empty, of one family and free of overlaps.
void validate_range_set(const RangeSet& set);
/// Validates each set and that no two sets overlap; `sets` must be non-empty.
void validate_range_sets(const std::vector<RangeSet>& sets);

/// The range of `set` containing `a` (start..end), or nullptr.
const Range* find_range(const RangeSet& set, const IpAddress& a) noexcept;
/// True when some range of the set may hand out `a`.
bool is_allocatable(const RangeSet& set, const IpAddress& a) noexcept;
/// "10.0.42.1-10.0.42.254,10.0.43.1-10.0.43.254"
std::string to_string(const RangeSet& set);

}  // namespace nexus::ipam
