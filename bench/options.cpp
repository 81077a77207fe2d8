#include "bench/options.h"

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace nexus::bench {
namespace {

const char* kUsage = R"(usage: nexus-bench [options]      (as root; runs inside its own throwaway network namespace)
Compares the Nexus plugins with the reference CNI plugins side by side and prints ratios nexus/ref.

  --nexus-dir DIR        Nexus plugins and their CNI_PATH (default: the build dir, )" NEXUS_BENCH_BUILD_DIR R"()
  --ref-dir DIR          reference plugins and their CNI_PATH (default: /usr/lib/cni)
  --nexus-bridge NAME    --nexus-ipam NAME   plugin file names (default: nexus-bridge, nexus-ipam)
  --ref-bridge NAME      --ref-ipam NAME     plugin file names (default: bridge, host-local)
  --nexus-portmap NAME   --ref-portmap NAME  plugin chained after the bridge to publish ports (default: none,
                         nexus-bridge publishes them itself; portmap); '' for none
  --sections LIST        comma list of ipam,bridge,concurrency,iperf,ports (default: all; memory is gathered
                         from all)
  --ipam-iterations N    timed ADD+DEL pairs per lease count (default 100)
  --leases LIST          pre-existing leases in the /16 (default 0,1000,10000,60000)
  --containers N         sequential bridge ADDs then DELs, per configuration (default 50)
  --concurrency LIST     concurrent ADD/DEL batch sizes (default 100,1000)
  --max-inflight N       cap on plugin processes alive at once in a batch (default 100)
  --iperf-seconds S      iperf3 run length (default 3; 0 skips)
  --port-mappings LIST   ports section: published ports per run, 1..10000 (default 1,1000)
  --connections N        ports section: sequential new connections per run (default 2000)
  --timeout S            a plugin call is killed and counted failed after S seconds (default 30)
  --time-limit S         the whole run stops (and cleans up) after S seconds (default 1500)
  --work-dir DIR         parent of the temporary work directory (default /tmp)
  --disk                 keep the work directory (lease data dirs) on --work-dir's filesystem instead of a
                         private tmpfs (slow to fill and empty with 60,000 leases on some disks)
  --json FILE            also write the results as JSON
  --check-targets        exit 1 when a target (issues 3 and 13, design.md) measured in this run is missed
  --quick                few iterations, finishes in well under a minute (CI smoke test)
  --help
Exit status: 0 when every plugin call (and every timed connection) succeeded (and, with --check-targets, no
target failed), 1 when some failed or the run was cut short, 2 on a usage or setup error.
)";

std::vector<size_t> parse_list(const std::string& text) {
  std::vector<size_t> values;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) values.push_back(std::stoul(item));
  return values;
}

std::set<std::string> parse_sections(const std::string& text) {
  std::set<std::string> sections;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    if (item != "ipam" && item != "bridge" && item != "concurrency" && item != "iperf" && item != "ports")
      throw std::invalid_argument("unknown section '" + item + "'");
    sections.insert(item);
  }
  return sections;
}

void apply_quick(Options& o) {
  o.ipam_iterations = 10;
  o.lease_counts = {0, 1000};
  o.containers = 10;
  o.concurrency = {50};
  o.max_inflight = 25;
  o.iperf_seconds = 1;
  o.port_mappings = {1, 100};
  o.connections = 200;
  o.time_limit_s = 120;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  o.nexus_dir = NEXUS_BENCH_BUILD_DIR;
  std::vector<std::string> args(argv + 1, argv + argc);
  // --quick sets the defaults; explicit options given anywhere on the line override them.
  for (const std::string& a : args)
    if (a == "--quick") { o.quick = true; apply_quick(o); }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") { std::cout << kUsage; std::exit(0); }
    if (a == "--quick") continue;
    if (a == "--disk") { o.tmpfs = false; continue; }
    if (a == "--check-targets") { o.check_targets = true; continue; }
    if (i + 1 >= args.size()) throw std::invalid_argument("unknown option or missing value: " + a);
    const std::string v = args[++i];
    try {
      if (a == "--nexus-dir") o.nexus_dir = v;
      else if (a == "--ref-dir") o.ref_dir = v;
      else if (a == "--nexus-bridge") o.nexus_bridge = v;
      else if (a == "--nexus-ipam") o.nexus_ipam = v;
      else if (a == "--ref-bridge") o.ref_bridge = v;
      else if (a == "--ref-ipam") o.ref_ipam = v;
      else if (a == "--nexus-portmap") o.nexus_portmap = v;
      else if (a == "--ref-portmap") o.ref_portmap = v;
      else if (a == "--sections") o.sections = parse_sections(v);
      else if (a == "--ipam-iterations") o.ipam_iterations = std::stoul(v);
      else if (a == "--leases") o.lease_counts = parse_list(v);
      else if (a == "--containers") o.containers = std::stoul(v);
      else if (a == "--concurrency") o.concurrency = parse_list(v);
      else if (a == "--max-inflight") o.max_inflight = std::stoul(v);
      else if (a == "--iperf-seconds") o.iperf_seconds = std::stoul(v);
      else if (a == "--port-mappings") o.port_mappings = parse_list(v);
      else if (a == "--connections") o.connections = std::stoul(v);
      else if (a == "--timeout") o.call_timeout_s = std::stod(v);
      else if (a == "--time-limit") o.time_limit_s = std::stod(v);
      else if (a == "--work-dir") o.work_parent = v;
      else if (a == "--json") o.json_file = v;
      else throw std::invalid_argument("unknown option " + a);
    } catch (const std::logic_error& e) {
      if (dynamic_cast<const std::invalid_argument*>(&e) && std::string(e.what()).starts_with("unknown")) throw;
      throw std::invalid_argument("bad value for " + a + ": '" + v + "'");
    }
  }
  // Plugins get the directory as CNI_PATH and exec from it: it must not depend on their working directory.
  o.nexus_dir = std::filesystem::absolute(o.nexus_dir);
  o.ref_dir = std::filesystem::absolute(o.ref_dir);
  for (size_t n : o.lease_counts)
    if (n > 60000) throw std::invalid_argument("--leases: at most 60000 fit the /16 with room to allocate");
  for (size_t n : o.concurrency)
    if (n == 0 || n > 1000) throw std::invalid_argument("--concurrency: 1..1000 (a Linux bridge has 1024 ports)");
  if (o.containers == 0 || o.containers > 1000) throw std::invalid_argument("--containers: 1..1000");
  // Filler mappings publish 30000 upward: 10,000 stay below 40000, clear of the default ephemeral ports' top.
  for (size_t n : o.port_mappings)
    if (n == 0 || n > 10000) throw std::invalid_argument("--port-mappings: 1..10000");
  if (o.connections == 0) throw std::invalid_argument("--connections: at least 1");
  return o;
}

}  // namespace nexus::bench
