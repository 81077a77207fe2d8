#include "bench/bench.h"

#include <iostream>

namespace nexus::bench {

std::chrono::milliseconds Bench::call_timeout() const {
  return std::chrono::milliseconds(static_cast<long long>(options.call_timeout_s * 1000));
}

Outcome Bench::call(const Side& side, const std::string& op, const Command& command) {
  Outcome outcome = run_one(command, call_timeout());
  account(side, op, outcome);
  return outcome;
}

void Bench::account(const Side& side, const std::string& op, const Outcome& outcome) {
  rss_mb[op][side.label].push_back(static_cast<double>(outcome.maxrss_kb) / 1024.0);
  if (outcome.exited_zero) return;
  static std::map<std::string, int> logged;
  if (logged[side.label + op]++ < 3) std::cerr << "nexus-bench: " << side.label << " " << op << " failed: "
                                               << outcome.describe() << "\n";
}

std::vector<ContainerNetns> Bench::make_netns(const std::string& prefix, size_t count) const {
  std::vector<ContainerNetns> all;
  all.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (i % 64 == 0) check_stop();
    all.emplace_back(sandbox.work_dir() / (prefix + "-" + std::to_string(i)));
  }
  return all;
}

std::vector<const Side*> Bench::sides_with(bool (Side::*has)() const) const {
  std::vector<const Side*> with;
  for (const Side& side : sides)
    if ((side.*has)()) with.push_back(&side);
  return with;
}

// ru_maxrss also counts the spawner's address space, which the child shares until its exec (the kernel folds
// the old mm's high-water mark into the process's maxrss at exec), so a child that fails its exec shows what
// every measurement includes.
Figure spawn_floor(const Bench& bench) {
  Command nothing;
  nothing.path = "/nonexistent/nexus-bench-floor";
  std::vector<double> samples;
  for (int i = 0; i < 5; ++i)
    samples.push_back(static_cast<double>(run_one(nothing, bench.call_timeout()).maxrss_kb) / 1024.0);
  return summarize(samples);
}

void add_memory_rows(Bench& bench) {
  try {
    Row floor{kMemorySection, "floor: spawned child that never execs", "MB",
              std::nullopt, spawn_floor(bench), true};
    bench.report.add(floor);
  } catch (const Stop&) {
    // Interrupted: report what was measured without the floor.
  }
  for (const auto& [op, by_side] : bench.rss_mb)
    for (const auto& [side, samples] : by_side)
      bench.report.set(kMemorySection, op, "MB", side, summarize(samples));
}

}  // namespace nexus::bench
