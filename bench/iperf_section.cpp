// Section 5: iperf3 TCP bandwidth between two containers attached by each side's bridge plugin.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/bench.h"

namespace nexus::bench {
namespace {

constexpr const char* kSection = kIperfSection;
constexpr const char* kIperf = "/usr/bin/iperf3";

// The server needs a moment to listen; retry the client while the connection is refused.
std::optional<double> measure(Bench& bench, const std::string& server_ip, const ContainerNetns& client_ns) {
  Command client;
  client.path = kIperf;
  client.args = {"-c", server_ip, "-t", std::to_string(bench.options.iperf_seconds), "-J"};
  client.netns_path = client_ns.path();
  auto timeout = std::chrono::milliseconds(static_cast<long long>(bench.options.iperf_seconds) * 1000 + 20'000);
  for (int attempt = 0; attempt < 50; ++attempt) {
    Outcome o = run_one(client, timeout);
    nlohmann::json report = nlohmann::json::parse(o.out, nullptr, false);
    const nlohmann::json* bps = nullptr;
    if (!report.is_discarded() && report.contains("end") && report["end"].contains("sum_received"))
      bps = &report["end"]["sum_received"]["bits_per_second"];
    if (o.exited_zero && bps && bps->is_number()) return bps->get<double>() / 1e9;
    if (std::getenv("NEXUS_BENCH_DEBUG")) std::cerr << o.out << o.err << "\n";
    if (o.out.find("refused") == std::string::npos) {
      std::cerr << "nexus-bench: iperf3 client: " << o.describe() << "\n";
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

void run_side(Bench& bench, const Side& side) {
  ScratchDir dir = bench.sandbox.make_dir("iperf-" + side.label);
  std::string config = bridge_config(side, false, dir.path());
  std::vector<ContainerNetns> netns = bench.make_netns("iperf-" + side.label, 2);
  std::vector<std::string> ips;
  for (size_t i = 0; i < 2; ++i) {
    Outcome o = bench.call(side, "bridge ADD", cni_command(side, side.bridge_plugin, "ADD",
                                                           "iperf-" + std::to_string(i), netns[i].path(), config));
    if (std::optional<std::string> ip = first_ip(o.out); o.exited_zero && ip) ips.push_back(*ip);
  }
  std::optional<double> gbits;
  if (ips.size() == 2) {
    Command server_command;
    server_command.path = kIperf;
    server_command.args = {"-s", "-1", "-B", ips[0]};
    server_command.netns_path = netns[0].path();
    server_command.discard_output = true;
    Background server(server_command);
    gbits = measure(bench, ips[0], netns[1]);
  }
  for (size_t i = 0; i < 2; ++i)
    bench.call(side, "bridge DEL", cni_command(side, side.bridge_plugin, "DEL", "iperf-" + std::to_string(i),
                                               netns[i].path(), config));
  std::string metric = "TCP bandwidth, " + std::to_string(bench.options.iperf_seconds) +
                       " s (higher=better)";
  bench.report.set(kSection, metric, "Gbit/s", side.label, gbits ? single_value(*gbits) : summarize({}, 1));
}

}  // namespace

void run_iperf_section(Bench& bench) {
  if (bench.options.iperf_seconds <= 0) return;
  if (::access(kIperf, X_OK) != 0) {
    bench.report.note("iperf3 not installed (scripts/install-deps installs it): data path not measured");
    return;
  }
  for (const Side& side : bench.sides) {
    if (!side.has_bridge()) continue;
    std::cerr << "nexus-bench: iperf3, " << side.label << "\n";
    run_side(bench, side);
  }
}

}  // namespace nexus::bench
