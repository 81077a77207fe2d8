#pragma once
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/report.h"

namespace nexus::bench {

/// One target (issue 3, design.md or issue 13) checked against a run: what was measured and whether it holds.
struct TargetResult {
  std::string target;
  std::string measured;
  std::string verdict;  ///< "pass", "FAIL" or "n/a" (not measured in this run)
};

/// Checks the performance targets of shared/design.md against the rows of a finished run.
std::vector<TargetResult> evaluate_targets(const Report& report);
void print_targets(std::ostream& out, const std::vector<TargetResult>& results);
nlohmann::json targets_json(const std::vector<TargetResult>& results);

}  // namespace nexus::bench
