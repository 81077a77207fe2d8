// nexus-bench: Nexus plugins vs the reference CNI plugins, side by side in one run. See bench/README.md.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>

#include "bench/bench.h"
#include "bench/targets.h"

namespace nexus::bench {
namespace {

std::vector<Side> make_sides(const Options& o) {
  return {Side{"nexus", o.nexus_dir, o.nexus_bridge, o.nexus_ipam, "nexus0", 10, o.nexus_portmap},
          Side{"ref", o.ref_dir, o.ref_bridge, o.ref_ipam, "cni-ref0", 11, o.ref_portmap}};
}

nlohmann::json run_info(const Options& o, const std::vector<Side>& sides, double seconds, bool complete) {
  nlohmann::json info = {{"time", std::time(nullptr)}, {"seconds", seconds}, {"complete", complete},
                         {"quick", o.quick}, {"ipam_iterations", o.ipam_iterations}, {"leases", o.lease_counts},
                         {"containers", o.containers}, {"concurrency", o.concurrency},
                         {"max_inflight", o.max_inflight}, {"iperf_seconds", o.iperf_seconds},
                         {"port_mappings", o.port_mappings}, {"connections", o.connections}};
  for (const Side& s : sides)
    info["sides"][s.label] = {{"dir", s.dir.string()}, {"bridge", s.bridge_plugin}, {"ipam", s.ipam_plugin},
                              {"portmap", s.portmap_plugin},
                              {"has_bridge", s.has_bridge()}, {"has_ipam", s.has_ipam()}};
  return info;
}

void print_sides(const std::vector<Side>& sides) {
  for (const Side& s : sides)
    std::cout << s.label << ": " << (s.dir / s.bridge_plugin).string() << (s.has_bridge() ? "" : " (absent)")
              << " + " << (s.dir / s.ipam_plugin).string() << (s.has_ipam() ? "" : " (absent)")
              << (s.portmap_plugin.empty() ? "" : " + " + (s.dir / s.portmap_plugin).string()) << "\n";
}

// Runs the chosen sections; returns false when a signal or the time limit cut the run short.
bool run_sections(Bench& bench) {
  const std::set<std::string>& chosen = bench.options.sections;
  try {
    if (chosen.contains("ipam")) run_ipam_section(bench);
    if (chosen.contains("bridge")) run_bridge_section(bench);
    if (chosen.contains("concurrency")) run_concurrency_section(bench);
    if (chosen.contains("iperf")) run_iperf_section(bench);
    if (chosen.contains("ports")) run_ports_section(bench);
    return true;
  } catch (const Stop&) {
    bench.report.note("run stopped early (signal or --time-limit): figures cover what ran");
    return false;
  }
}

int run(const Options& options) {
  auto start = std::chrono::steady_clock::now();
  install_stop_handlers();
  set_global_deadline(start + std::chrono::milliseconds(static_cast<long long>(options.time_limit_s * 1000)));
  Report report;
  std::vector<Side> sides = make_sides(options);
  print_sides(sides);
  bool complete = false;
  {
    Sandbox sandbox(options.work_parent, options.tmpfs);
    Bench bench{options, sandbox, sides, report, {}};
    complete = run_sections(bench);
    add_memory_rows(bench);
  }  // every netns and the work directory are gone from here on
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.print_table(std::cout);
  std::vector<TargetResult> targets = evaluate_targets(report);
  print_targets(std::cout, targets);
  std::cout << "\nratio = nexus median / ref median (below 1: nexus faster or smaller; for higher=better rows, "
               "above 1: nexus better). total " << seconds << " s, failures " << report.total_failures() << "\n";
  if (options.json_file) {
    nlohmann::json document = report.to_json(run_info(options, sides, seconds, complete));
    document["targets"] = targets_json(targets);
    std::ofstream(*options.json_file) << document.dump(2) << "\n";
  }
  bool targets_met = std::none_of(targets.begin(), targets.end(), [](auto& t) { return t.verdict == "FAIL"; });
  return report.total_failures() == 0 && complete && (targets_met || !options.check_targets) ? 0 : 1;
}

}  // namespace
}  // namespace nexus::bench

int main(int argc, char** argv) {
  try {
    nexus::bench::Options options = nexus::bench::parse_options(argc, argv);
    if (::geteuid() != 0) {
      std::cerr << "nexus-bench: must run as root (it creates network namespaces)\n";
      return 2;
    }
    return nexus::bench::run(options);
  } catch (const std::invalid_argument& e) {
    std::cerr << "nexus-bench: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nexus-bench: " << e.what() << "\n";
    return 2;
  }
}
