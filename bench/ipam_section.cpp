// Section 1: the IPAM plugin exec'd directly, ADD then DEL of one container, with 0..60000 leases already in
// the /16. Both sides start from identical lease files in host-local's on-disk format.
#include <iostream>

#include "bench/bench.h"

namespace nexus::bench {
namespace {

constexpr const char* kSection = kIpamSection;

struct Samples {
  std::vector<double> add, del, both;
  size_t add_failures = 0, del_failures = 0;
};

// One untimed ADD+DEL: a plugin may build an index of the pre-existing leases on first use.
void warm_up(Bench& bench, const Side& side, const std::string& netns, const std::string& config) {
  for (const char* verb : {"ADD", "DEL"}) {
    Outcome o = bench.call(side, "ipam warm-up", cni_command(side, side.ipam_plugin, verb, "warm-up", netns, config));
    if (!o.exited_zero) std::cerr << "nexus-bench: " << side.label << " ipam warm-up " << verb << " failed\n";
  }
}

void time_one(Bench& bench, const Side& side, const std::string& cid, const std::string& netns,
              const std::string& config, Samples& s) {
  Outcome add = bench.call(side, "ipam ADD", cni_command(side, side.ipam_plugin, "ADD", cid, netns, config));
  Outcome del = bench.call(side, "ipam DEL", cni_command(side, side.ipam_plugin, "DEL", cid, netns, config));
  bool add_ok = add.exited_zero && first_ip(add.out).has_value();
  if (add_ok) s.add.push_back(ms(add.seconds)); else ++s.add_failures;
  if (del.exited_zero) s.del.push_back(ms(del.seconds)); else ++s.del_failures;
  if (add_ok && del.exited_zero) s.both.push_back(ms(add.seconds + del.seconds));
}

void run_level(Bench& bench, const std::vector<const Side*>& sides, size_t leases, const std::string& netns) {
  std::map<std::string, Samples> samples;
  std::map<std::string, std::string> configs;
  std::vector<ScratchDir> dirs;
  for (const Side* side : sides) {
    const ScratchDir& dir =
        dirs.emplace_back(bench.sandbox.make_dir("ipam-" + side->label + "-" + std::to_string(leases)));
    write_leases(dir.path(), leases, *side);
    configs[side->label] = ipam_config(*side, dir.path());
    warm_up(bench, *side, netns, configs[side->label]);
  }
  // Sides alternate call by call so that background noise hits both alike.
  for (size_t i = 0; i < bench.options.ipam_iterations; ++i)
    for (const Side* side : sides)
      time_one(bench, *side, "ipam-" + std::to_string(leases) + "-" + std::to_string(i), netns,
               configs[side->label], samples[side->label]);
  std::string at = std::to_string(leases) + " leases";
  for (const Side* side : sides) {
    const Samples& s = samples[side->label];
    bench.report.set(kSection, "ADD, " + at, "ms", side->label, summarize(s.add, s.add_failures));
    bench.report.set(kSection, "DEL, " + at, "ms", side->label, summarize(s.del, s.del_failures));
    bench.report.set(kSection, "ADD+DEL, " + at, "ms", side->label,
                     summarize(s.both, s.add_failures + s.del_failures));
  }
}

}  // namespace

void run_ipam_section(Bench& bench) {
  const std::vector<const Side*> sides = bench.sides_with(&Side::has_ipam);
  if (sides.empty()) return;
  // IPAM plugins never enter the netns, but a runtime always names one: give them a real one.
  std::vector<ContainerNetns> netns = bench.make_netns("ipam-netns", 1);
  for (size_t leases : bench.options.lease_counts) {
    std::cerr << "nexus-bench: ipam, " << leases << " leases\n";
    run_level(bench, sides, leases, netns.front().path());
  }
}

}  // namespace nexus::bench
