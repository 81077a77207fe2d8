#include "bench/targets.h"

#include <cstdio>

#include "bench/bench.h"

namespace nexus::bench {
namespace {

bool measured(const std::optional<Figure>& f) { return f && f->samples > 0; }

std::string fixed(double value, const char* format = "%.3f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

TargetResult not_measured(const std::string& target) { return {target, "not measured", "n/a"}; }

// nexus median / ref median must be at most `limit` (by median for latency, by max for memory).
TargetResult ratio_target(const Report& report, const std::string& target, const char* section,
                          const std::string& metric, double limit, bool by_max) {
  const Row* row = report.find(section, metric);
  if (!row || !measured(row->nexus) || !measured(row->ref)) return not_measured(target);
  double nexus = by_max ? row->nexus->max : row->nexus->median;
  double ref = by_max ? row->ref->max : row->ref->median;
  double ratio = nexus / ref;
  std::string text = fixed(nexus) + " vs " + fixed(ref) + " " + row->unit + ", ratio " + fixed(ratio);
  return {target, text, ratio <= limit && row->nexus->failures == 0 ? "pass" : "FAIL"};
}

// The nexus ADD median at the largest lease count at most twice the one at 0 leases.
TargetResult lease_cost_target(const Report& report) {
  const std::string target = "lease cost flat: nexus-ipam ADD with N leases <= 2x ADD with 0";
  const Row* empty = report.find(kIpamSection, "ADD, 0 leases");
  const Row* full = nullptr;
  for (size_t n : {60000, 10000, 1000}) {
    full = report.find(kIpamSection, "ADD, " + std::to_string(n) + " leases");
    if (full) break;
  }
  if (!empty || !full || !measured(empty->nexus) || !measured(full->nexus)) return not_measured(target);
  double ratio = full->nexus->median / empty->nexus->median;
  std::string text = full->metric + ": " + fixed(full->nexus->median) + " ms vs " +
                     fixed(empty->nexus->median) + " ms, x" + fixed(ratio, "%.2f");
  return {target, text, ratio <= 2.0 ? "pass" : "FAIL"};
}

// Every concurrent ADD and DEL succeeded with unique addresses and left no lease.
TargetResult concurrency_target(const Report& report) {
  const std::string target = "concurrent ADD/DEL: no failure, duplicate address or leaked lease";
  size_t batches = 0, failures = 0;
  for (size_t n : {10, 20, 50, 100, 250, 500, 1000})
    for (const char* verb : {" ADDs", " DELs"}) {
      const Row* row = report.find(kConcurrencySection, std::to_string(n) + verb + ", wall time");
      if (!row || !row->nexus) continue;
      ++batches;
      failures += row->nexus->failures;
    }
  if (batches == 0) return not_measured(target);
  return {target, std::to_string(failures) + " failures in " + std::to_string(batches) + " batches",
          failures == 0 ? "pass" : "FAIL"};
}

}  // namespace

std::vector<TargetResult> evaluate_targets(const Report& report) {
  std::vector<TargetResult> results;
  for (const char* verb : {"ADD", "DEL"})
    for (const char* masq : {"off", "on"}) {
      std::string metric = std::string(verb) + ", ipMasq " + masq;
      results.push_back(ratio_target(report, "bridge " + metric + ": >= 10x faster than ref (ratio <= 0.1)",
                                     kBridgeSection, metric, 0.1, false));
    }
  for (const char* op : {"bridge ADD", "bridge DEL", "ipam ADD", "ipam DEL"})
    results.push_back(ratio_target(report, std::string(op) + " peak RSS <= 1/5 of ref (max, ratio <= 0.2)",
                                   kMemorySection, op, 0.2, true));
  results.push_back(lease_cost_target(report));
  results.push_back(concurrency_target(report));
  return results;
}

void print_targets(std::ostream& out, const std::vector<TargetResult>& results) {
  out << "\n== Targets (shared/design.md)\n";
  for (const TargetResult& r : results) {
    char line[512];
    std::snprintf(line, sizeof line, "%-5s %-66s %s\n", r.verdict.c_str(), r.target.c_str(), r.measured.c_str());
    out << line;
  }
}

nlohmann::json targets_json(const std::vector<TargetResult>& results) {
  nlohmann::json all = nlohmann::json::array();
  for (const TargetResult& r : results)
    all.push_back({{"target", r.target}, {"measured", r.measured}, {"verdict", r.verdict}});
  return all;
}

}  // namespace nexus::bench
