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
  for (const Row& row : report.rows(kConcurrencySection)) {
    if (!row.metric.ends_with(", wall time") || !row.nexus) continue;
    ++batches;
    failures += row.nexus->failures;
  }
  if (batches == 0) return not_measured(target);
  return {target, std::to_string(failures) + " failures in " + std::to_string(batches) + " batches",
          failures == 0 ? "pass" : "FAIL"};
}

// A nexus DEL median at most `limit` times the kernel's bare veth delete measured in the same run.
TargetResult del_floor_target(const Report& report, const std::string& masq, double limit) {
  const std::string target = "bridge DEL, ipMasq " + masq + ": <= " + fixed(limit, "%.1f") + "x a bare veth delete";
  const Row* del = report.find(kBridgeSection, "DEL, ipMasq " + masq);
  const Row* floor = report.find(kBridgeSection, "DEL floor: veth delete (netlink)");
  if (!del || !floor || !measured(del->nexus) || !measured(floor->ref)) return not_measured(target);
  const double ratio = del->nexus->median / floor->ref->median;
  const std::string text = fixed(del->nexus->median) + " vs " + fixed(floor->ref->median) + " ms, ratio " + fixed(ratio);
  return {target, text, ratio <= limit && del->nexus->failures == 0 ? "pass" : "FAIL"};
}

// ipMasq on minus ipMasq off, nexus medians: at most `limit_ms`.
TargetResult masq_cost_target(const Report& report, const std::string& verb, double limit_ms) {
  const std::string target = "ipMasq adds <= " + fixed(limit_ms, "%.0f") + " ms to " + verb;
  const Row* off = report.find(kBridgeSection, verb + ", ipMasq off");
  const Row* on = report.find(kBridgeSection, verb + ", ipMasq on");
  if (!off || !on || !measured(off->nexus) || !measured(on->nexus)) return not_measured(target);
  const double added = on->nexus->median - off->nexus->median;
  return {target, fixed(on->nexus->median) + " - " + fixed(off->nexus->median) + " ms = " + fixed(added) + " ms",
          added <= limit_ms ? "pass" : "FAIL"};
}

// Concurrent throughput at least `factor` times the reference's (higher is better).
TargetResult throughput_target(const Report& report, size_t batch, bool masq, double factor) {
  const std::string what = concurrency_batch(batch, "ADDs", masq);
  const std::string target = what + ": >= " + fixed(factor, "%.0f") + "x ref throughput";
  const Row* row = report.find(kConcurrencySection, what + ", throughput (higher=better)");
  if (!row || !measured(row->nexus) || !measured(row->ref)) return not_measured(target);
  const double ratio = row->nexus->median / row->ref->median;
  return {target, fixed(row->nexus->median, "%.1f") + " vs " + fixed(row->ref->median, "%.1f") + " ctr/s, x" + fixed(ratio, "%.2f"),
          ratio >= factor && row->nexus->failures == 0 ? "pass" : "FAIL"};
}

// A side's new-connection median with 1 mapping and with 1000, and its growth net of the no-NAT floor's: the
// two runs are seconds or a minute apart, and the floor, measured alternately with the published port in each,
// shows how much the machine's load moved in between. Empty growth when not measured or the port never answered.
struct PortGrowth {
  std::optional<double> net;
  std::string text;  // "0.030 -> 0.036 ms x1.20, floor x1.01: x1.19 net"
};

PortGrowth port_growth(const Report& report, std::optional<Figure> Row::*side) {
  const Row* one = report.find(kPortsSection, new_connection_metric(1));
  const Row* many = report.find(kPortsSection, new_connection_metric(1000));
  if (!one || !many || !(one->*side) || !(many->*side)) return {std::nullopt, "not measured"};
  const std::optional<Figure>& a = one->*side;
  const std::optional<Figure>& b = many->*side;
  if (!measured(a) || !measured(b)) return {std::nullopt, "the port did not answer"};
  const double raw = b->median / a->median;
  std::string text = fixed(a->median) + " -> " + fixed(b->median) + " ms x" + fixed(raw, "%.2f");
  const Row* floor_one = report.find(kPortsSection, no_nat_metric(1));
  const Row* floor_many = report.find(kPortsSection, no_nat_metric(1000));
  if (!floor_one || !floor_many || !measured(floor_one->*side) || !measured(floor_many->*side)) return {raw, text};
  const double floor = (floor_many->*side)->median / (floor_one->*side)->median;
  return {raw / floor, text + ", floor x" + fixed(floor, "%.2f") + ": x" + fixed(raw / floor, "%.2f") + " net"};
}

// Issue 13: a new connection through a published port costs nexus the same with 1000 mappings as with 1 (one map
// lookup); the reference's growth (a rule per mapping) is printed beside it.
TargetResult published_port_target(const Report& report) {
  const std::string target = "published port, nexus: connect 1000 mappings <= 1.2x 1 (net)";
  const Row* one = report.find(kPortsSection, new_connection_metric(1));
  const Row* many = report.find(kPortsSection, new_connection_metric(1000));
  if (!one || !many || !one->nexus || !many->nexus) return not_measured(target);
  const PortGrowth nexus = port_growth(report, &Row::nexus);
  const std::string text = "nexus " + nexus.text + "; ref " + port_growth(report, &Row::ref).text;
  const bool flat = nexus.net && *nexus.net <= 1.2 && one->nexus->failures == 0 && many->nexus->failures == 0;
  return {target, text, flat ? "pass" : "FAIL"};
}

}  // namespace

std::vector<TargetResult> evaluate_targets(const Report& report) {
  std::vector<TargetResult> results;
  // Issue 3 (the bridge plugin's own targets).
  for (const char* masq : {"off", "on"})
    results.push_back(ratio_target(report, std::string("bridge ADD, ipMasq ") + masq + ": <= 0.3x ref", kBridgeSection,
                                   std::string("ADD, ipMasq ") + masq, 0.3, false));
  for (const char* masq : {"off", "on"}) results.push_back(del_floor_target(report, masq, 1.1));
  for (const bool masq : {false, true}) results.push_back(throughput_target(report, 100, masq, 5));
  for (const char* verb : {"ADD", "DEL"}) results.push_back(masq_cost_target(report, verb, 1));
  // shared/design.md.
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
  // Issue 13.
  results.push_back(published_port_target(report));
  return results;
}

void print_targets(std::ostream& out, const std::vector<TargetResult>& results) {
  out << "\n== Targets (issue 3, shared/design.md, issue 13)\n";
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
