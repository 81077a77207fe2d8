#pragma once
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bench/cni.h"
#include "bench/options.h"
#include "bench/process.h"
#include "bench/report.h"
#include "bench/sandbox.h"

namespace nexus::bench {

/// Section titles: rows are found by section + metric (targets.cpp reads them back).
inline constexpr const char* kIpamSection = "IPAM only: ipam plugin exec'd directly";
inline constexpr const char* kBridgeSection = "Bridge + IPAM: sequential, one container at a time";
inline constexpr const char* kConcurrencySection = "Concurrency: batch of ADDs, then batch of DELs";
inline constexpr const char* kIperfSection = "Data path: iperf3 TCP between two containers on the bridge";
inline constexpr const char* kPortsSection =
    "Published port: new TCP connections from the host to <gateway>:20080 (-> container:80)";
inline constexpr const char* kMemorySection = "Peak memory (wait4 ru_maxrss per call)";

/// What every section shares: options, the sandbox, the two sides and the report being filled.
struct Bench {
  const Options& options;
  const Sandbox& sandbox;
  std::vector<Side> sides;  ///< nexus first, then ref
  Report& report;
  /// Per-call peak RSS in MB, by operation then side label; turned into the memory rows at the end.
  std::map<std::string, std::map<std::string, std::vector<double>>> rss_mb;

  std::chrono::milliseconds call_timeout() const;
  /// Runs one plugin call; logs the first failures of each kind to stderr; records its peak RSS under `op`.
  Outcome call(const Side& side, const std::string& op, const Command& command);
  /// Records the peak RSS of an outcome under `op` and logs it when it failed.
  void account(const Side& side, const std::string& op, const Outcome& outcome);
  /// `count` fresh container network namespaces named <prefix>-<i> in the work directory.
  std::vector<ContainerNetns> make_netns(const std::string& prefix, size_t count) const;
  /// The sides with the plugins a section needs, as `has` (&Side::has_bridge, &Side::has_ipam) tells.
  std::vector<const Side*> sides_with(bool (Side::*has)() const) const;
};

void run_ipam_section(Bench& bench);
void run_bridge_section(Bench& bench);
void run_concurrency_section(Bench& bench);
/// A concurrency row's batch: "100 ADDs, ipMasq off" (`verb` "ADDs" or "DELs").
std::string concurrency_batch(size_t count, const std::string& verb, bool masq);
void run_iperf_section(Bench& bench);
void run_ports_section(Bench& bench);
/// The ports section's latency rows for a run with `mappings` published ports, through the published port and
/// straight to the container (the no-NAT floor); targets.cpp reads them back.
std::string new_connection_metric(size_t mappings);
std::string no_nat_metric(size_t mappings);
/// Turns the RSS samples gathered by all sections into rows.
void add_memory_rows(Bench& bench);

/// Milliseconds from seconds.
inline double ms(double seconds) { return seconds * 1000.0; }

}  // namespace nexus::bench
