#pragma once
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nexus::bench {

/// Command-line options of nexus-bench (see `nexus-bench --help` and bench/README.md).
struct Options {
  std::filesystem::path nexus_dir;
  std::filesystem::path ref_dir = "/usr/lib/cni";
  std::string nexus_bridge = "nexus-bridge", nexus_ipam = "nexus-ipam";
  std::string ref_bridge = "bridge", ref_ipam = "host-local";
  std::set<std::string> sections = {"ipam", "bridge", "concurrency", "iperf", "ports"};
  size_t ipam_iterations = 100;
  std::vector<size_t> lease_counts = {0, 1000, 10000, 60000};
  size_t containers = 50;
  std::vector<size_t> concurrency = {100, 1000};
  size_t max_inflight = 100;
  size_t iperf_seconds = 3;
  std::vector<size_t> port_mappings = {1, 1000};
  size_t connections = 2000;
  std::string nexus_portmap;  ///< empty: nexus-bridge publishes the ports itself
  std::string ref_portmap = "portmap";
  double call_timeout_s = 30;
  double time_limit_s = 1500;
  std::filesystem::path work_parent = "/tmp";
  std::optional<std::filesystem::path> json_file;
  bool quick = false;
  bool tmpfs = true;  ///< work directory on a private tmpfs; --disk puts it on --work-dir's filesystem
  bool check_targets = false;
};

/// Parses argv; prints help and exits 0 for --help, throws std::invalid_argument for bad input.
Options parse_options(int argc, char** argv);

}  // namespace nexus::bench
