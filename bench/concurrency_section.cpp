// Section 3: a batch of ADDs launched together (at most --max-inflight processes alive at once), then the
// batch of DELs; throughput is containers per second of wall time from the first spawn to the last exit.
#include <chrono>
#include <iostream>
#include <set>

#include "bench/bench.h"

namespace nexus::bench {
namespace {

constexpr const char* kSection = kConcurrencySection;

struct Batch {
  std::vector<std::string> results;  // each call's stdout, in command order
  double wall_s = 0;
  std::vector<double> latencies;
  size_t failures = 0;
};

Batch run_batch(Bench& bench, const Side& side, const std::string& op, const std::vector<Command>& commands,
                std::set<std::string>* ips) {
  auto start = std::chrono::steady_clock::now();
  std::vector<Outcome> outcomes = run_all(commands, bench.options.max_inflight, bench.call_timeout());
  Batch batch;
  batch.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t duplicates = 0;
  for (const Outcome& o : outcomes) {
    batch.results.push_back(o.out);
    bench.account(side, op, o);
    std::optional<std::string> ip = ips ? first_ip(o.out) : std::nullopt;
    if (!o.exited_zero || (ips && !ip)) { ++batch.failures; continue; }
    if (ips && !ips->insert(*ip).second) ++duplicates;
    batch.latencies.push_back(ms(o.seconds));
  }
  if (duplicates > 0)
    bench.report.note(side.label + ": " + std::to_string(duplicates) + " duplicate addresses in " + op);
  batch.failures += duplicates;
  return batch;
}

void report_batch(Bench& bench, const Side& side, const std::string& what, size_t count, const Batch& b) {
  bench.report.set(kSection, what + ", wall time", "s", side.label, single_value(b.wall_s, b.failures));
  bench.report.set(kSection, what + ", throughput (higher=better)", "ctr/s", side.label,
                   single_value(static_cast<double>(count - b.failures) / b.wall_s, b.failures));
  bench.report.set(kSection, what + ", per-call latency", "ms", side.label, summarize(b.latencies, b.failures));
}

// `prev_results`, when given, go into each DEL's config as prevResult, as libcni does it.
std::vector<Command> commands(const Side& side, const std::string& verb, const std::string& config,
                              const std::vector<ContainerNetns>& netns,
                              const std::vector<std::string>* prev_results = nullptr) {
  std::vector<Command> all;
  for (size_t i = 0; i < netns.size(); ++i)
    all.push_back(cni_command(side, side.bridge_plugin, verb, "conc-" + std::to_string(i), netns[i].path(),
                              prev_results ? config_with_prev_result(config, (*prev_results)[i]) : config));
  return all;
}

void run_side(Bench& bench, const Side& side, size_t count, bool masq) {
  const std::string masq_text = masq ? "on" : "off";
  std::string tag = side.label + "-" + std::to_string(count) + "-masq-" + masq_text;
  ScratchDir dir = bench.sandbox.make_dir("conc-" + tag);
  std::string config = bridge_config(side, masq, dir.path());
  std::vector<ContainerNetns> netns = bench.make_netns("conc-" + tag, count);
  std::set<std::string> ips;
  const std::string n = std::to_string(count);
  Batch add = run_batch(bench, side, "bridge ADD (concurrent)", commands(side, "ADD", config, netns), &ips);
  report_batch(bench, side, concurrency_batch(count, "ADDs", masq), count, add);
  Batch del = run_batch(bench, side, "bridge DEL (concurrent)", commands(side, "DEL", config, netns, &add.results),
                        nullptr);
  size_t leaked = count_leases(dir.path());
  if (leaked > 0) bench.report.note(side.label + ": " + std::to_string(leaked) + " leases left after " + n + " DELs");
  del.failures += leaked;
  report_batch(bench, side, concurrency_batch(count, "DELs", masq), count, del);
}

}  // namespace

std::string concurrency_batch(size_t count, const std::string& verb, bool masq) {
  return std::to_string(count) + " " + verb + ", ipMasq " + (masq ? "on" : "off");
}

void run_concurrency_section(Bench& bench) {
  for (size_t count : bench.options.concurrency)
    for (const bool masq : {false, true})
      for (const Side& side : bench.sides) {
        if (!side.has_bridge()) continue;
        std::cerr << "nexus-bench: concurrency, " << count << " containers, ipMasq " << (masq ? "on" : "off")
                  << ", " << side.label << "\n";
        run_side(bench, side, count, masq);
      }
}

}  // namespace nexus::bench
