// Section 2: the bridge plugin with its IPAM plugin, sequential ADDs of N containers then their DELs, with
// ipMasq off and on; plus the kernel's own cost of deleting one veth pair as the floor any DEL must pay.
#include <iostream>

#include "bench/bench.h"
#include "bench/link_delete.h"

namespace nexus::bench {
namespace {

constexpr const char* kSection = kBridgeSection;

struct Run {
  const Side* side;
  std::string config;
  ScratchDir data_dir;
  std::vector<ContainerNetns> netns;
  std::vector<double> add, del;
  size_t add_failures = 0, del_failures = 0;
};

std::string container_id(bool masq, size_t i) { return "seq-" + std::to_string(masq) + "-" + std::to_string(i); }

void add_one(Bench& bench, Run& run, bool masq, size_t i) {
  const Side& side = *run.side;
  Outcome o = bench.call(side, "bridge ADD", cni_command(side, side.bridge_plugin, "ADD", container_id(masq, i),
                                                         run.netns[i].path(), run.config));
  if (o.exited_zero && first_ip(o.out)) run.add.push_back(ms(o.seconds)); else ++run.add_failures;
}

void del_one(Bench& bench, Run& run, bool masq, size_t i) {
  const Side& side = *run.side;
  Outcome o = bench.call(side, "bridge DEL", cni_command(side, side.bridge_plugin, "DEL", container_id(masq, i),
                                                         run.netns[i].path(), run.config));
  if (o.exited_zero) run.del.push_back(ms(o.seconds)); else ++run.del_failures;
}

void report_run(Bench& bench, Run& run, bool masq) {
  std::string suffix = masq ? ", ipMasq on" : ", ipMasq off";
  bench.report.set(kSection, "ADD" + suffix, "ms", run.side->label, summarize(run.add, run.add_failures));
  size_t leaked = count_leases(run.data_dir.path());
  if (leaked > 0)
    bench.report.note(run.side->label + ": " + std::to_string(leaked) + " leases left after DEL" + suffix);
  bench.report.set(kSection, "DEL" + suffix, "ms", run.side->label, summarize(run.del, run.del_failures + leaked));
}

void run_masq(Bench& bench, const std::vector<const Side*>& sides, bool masq) {
  const size_t n = bench.options.containers;
  std::vector<Run> runs;
  for (const Side* side : sides) {
    std::string tag = side->label + "-masq" + std::to_string(masq);
    ScratchDir dir = bench.sandbox.make_dir("bridge-" + tag);
    std::string config = bridge_config(*side, masq, dir.path());
    runs.push_back(Run{side, config, std::move(dir), bench.make_netns("seq-" + tag, n), {}, {}});
  }
  // Sides alternate container by container so that background noise hits both alike.
  for (size_t i = 0; i < n; ++i)
    for (Run& run : runs) add_one(bench, run, masq, i);
  for (size_t i = 0; i < n; ++i)
    for (Run& run : runs) del_one(bench, run, masq, i);
  for (Run& run : runs) report_run(bench, run, masq);
}

// The floor: a veth pair whose peer sits in a container netns, as a plugin leaves it, deleted with one
// RTM_DELLINK; the pair is created with iproute2 before the clock starts.
void run_floor(Bench& bench) {
  const size_t n = bench.options.containers;
  std::vector<ContainerNetns> netns = bench.make_netns("floor", n);
  std::vector<double> samples;
  size_t failures = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string name = "vfloor" + std::to_string(i);
    Command ip;
    ip.path = "/usr/sbin/ip";
    ip.args = {"link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", netns[i].path()};
    if (!run_one(ip, bench.call_timeout()).exited_zero) { ++failures; continue; }
    try {
      samples.push_back(ms(timed_link_delete(name)));
    } catch (const std::exception& e) {
      std::cerr << "nexus-bench: floor: " << e.what() << "\n";
      ++failures;
    }
  }
  Row row{kSection, "DEL floor: one veth delete via netlink", "ms", std::nullopt, summarize(samples, failures), true};
  bench.report.add(row);
}

}  // namespace

void run_bridge_section(Bench& bench) {
  std::vector<const Side*> sides;
  for (const Side& side : bench.sides)
    if (side.has_bridge()) sides.push_back(&side);
  if (sides.empty()) return;
  for (bool masq : {false, true}) {
    std::cerr << "nexus-bench: bridge, sequential, ipMasq " << (masq ? "on" : "off") << "\n";
    run_masq(bench, sides, masq);
  }
  run_floor(bench);
}

}  // namespace nexus::bench
