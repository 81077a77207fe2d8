// Section 2: the bridge plugin with its IPAM plugin, sequential ADDs of N containers then their DELs, in each
// configuration of kVariants; plus the kernel's own cost of deleting one veth pair as the floor any DEL must pay.
#include <fcntl.h>

#include <iostream>

#include "bench/bench.h"
#include "bench/kernel_floor.h"
#include "shared/util/unique_fd.h"

namespace nexus::bench {
namespace {

constexpr const char* kSection = kBridgeSection;

// The configurations measured: plain ADD and DEL with ipMasq off and on (targets.cpp reads these rows), and the
// options that put more in the kernel per attachment: the MAC spoof check, alone and on an access VLAN.
struct Variant {
  const char* label;    // the rows are "ADD, <label>" and "DEL, <label>"
  bool masq;
  const char* options;  // keys added to the plain configuration
  bool needs_vlan_filtering = false;
};
constexpr Variant kVariants[] = {
    {"ipMasq off", false, "{}"},
    {"ipMasq on", true, "{}"},
    {"macspoofchk", false, R"({"macspoofchk": true})"},
    {"vlan+macspoofchk", false, R"({"vlan": 10, "macspoofchk": true})", true},
};

struct Run {
  const Side* side;
  std::string config;
  ScratchDir data_dir;
  std::vector<ContainerNetns> netns;
  std::vector<std::string> results;  // each ADD's result, the prevResult of its DEL
  std::vector<double> add, del;
  size_t add_failures = 0, del_failures = 0;
  std::string first_add_error;  // the plugin's answer to the first failed ADD, for the report's notes
};

std::string container_id(const Variant& v, size_t i) {
  return "seq-" + std::to_string(&v - kVariants) + "-" + std::to_string(i);
}

void add_one(Bench& bench, Run& run, const Variant& v, size_t i) {
  const Side& side = *run.side;
  Outcome o = bench.call(side, "bridge ADD", cni_command(side, side.bridge_plugin, "ADD", container_id(v, i),
                                                         run.netns[i].path(), run.config));
  run.results[i] = o.out;
  if (o.exited_zero && first_ip(o.out)) {
    run.add.push_back(ms(o.seconds));
  } else if (run.add_failures++ == 0) {
    run.first_add_error = o.out.empty() ? o.err : o.out;
  }
}

void del_one(Bench& bench, Run& run, const Variant& v, size_t i) {
  const Side& side = *run.side;
  // As libcni does it: the DEL carries the ADD's result as prevResult.
  Outcome o = bench.call(side, "bridge DEL", cni_command(side, side.bridge_plugin, "DEL", container_id(v, i),
                                                         run.netns[i].path(),
                                                         config_with_prev_result(run.config, run.results[i])));
  if (o.exited_zero) run.del.push_back(ms(o.seconds)); else ++run.del_failures;
}

void report_run(Bench& bench, Run& run, const Variant& v) {
  const std::string suffix = std::string(", ") + v.label;
  // A configuration a side cannot run fails every ADD: the notes say why instead of leaving an unexplained gap.
  if (run.add.empty() && !run.first_add_error.empty())
    bench.report.note(run.side->label + ": every ADD" + suffix + " failed: " +
                      run.first_add_error.substr(0, run.first_add_error.find('\n')));
  bench.report.set(kSection, "ADD" + suffix, "ms", run.side->label, summarize(run.add, run.add_failures));
  size_t leaked = count_leases(run.data_dir.path());
  if (leaked > 0)
    bench.report.note(run.side->label + ": " + std::to_string(leaked) + " leases left after DEL" + suffix);
  bench.report.set(kSection, "DEL" + suffix, "ms", run.side->label, summarize(run.del, run.del_failures + leaked));
}

void run_variant(Bench& bench, const std::vector<const Side*>& sides, const Variant& v) {
  const size_t n = bench.options.containers;
  std::vector<Run> runs;
  for (const Side* side : sides) {
    std::string tag = side->label + "-v" + std::to_string(&v - kVariants);
    ScratchDir dir = bench.sandbox.make_dir("bridge-" + tag);
    std::string config = bridge_config(*side, v.masq, dir.path(), v.options);
    runs.push_back(Run{side, config, std::move(dir), bench.make_netns("seq-" + tag, n), std::vector<std::string>(n), {}, {}, 0, 0, {}});
  }
  // Sides alternate container by container so that background noise hits both alike.
  for (size_t i = 0; i < n; ++i)
    for (Run& run : runs) add_one(bench, run, v, i);
  for (size_t i = 0; i < n; ++i)
    for (Run& run : runs) del_one(bench, run, v, i);
  for (Run& run : runs) report_run(bench, run, v);
}

// The floors: what the kernel alone takes for the one step no ADD or DEL can skip. ADD: one RTM_NEWLINK
// creating a veth pair with its peer put straight into a container netns. DEL: one RTM_DELLINK of that pair.
// No fork/exec, no addresses, routes or bridge port: a lower bound, not a plugin.
void run_floor(Bench& bench) {
  const size_t n = bench.options.containers;
  std::vector<ContainerNetns> netns = bench.make_netns("floor", n);
  std::vector<double> create, remove;
  size_t create_failures = 0, remove_failures = 0;
  for (size_t i = 0; i < n; ++i) {
    check_stop();
    std::string name = "vfloor" + std::to_string(i);
    try {
      UniqueFd ns(::open(netns[i].path().c_str(), O_RDONLY | O_CLOEXEC));
      create.push_back(ms(timed_veth_create(name, "eth0", ns.get())));
    } catch (const std::exception& e) {
      std::cerr << "nexus-bench: ADD floor: " << e.what() << "\n";
      ++create_failures;
      continue;
    }
    try {
      remove.push_back(ms(timed_link_delete(name)));
    } catch (const std::exception& e) {
      std::cerr << "nexus-bench: DEL floor: " << e.what() << "\n";
      ++remove_failures;
    }
  }
  bench.report.add(Row{kSection, "ADD floor: veth create into netns (netlink)", "ms", std::nullopt,
                       summarize(create, create_failures), true});
  bench.report.add(Row{kSection, "DEL floor: veth delete (netlink)", "ms", std::nullopt,
                       summarize(remove, remove_failures), true});
}

}  // namespace

void run_bridge_section(Bench& bench) {
  const std::vector<const Side*> sides = bench.sides_with(&Side::has_bridge);
  if (sides.empty()) return;
  const bool vlan_filtering = kernel_has_bridge_vlan_filtering();
  for (const Variant& v : kVariants) {
    if (v.needs_vlan_filtering && !vlan_filtering) {
      bench.report.note(std::string("not measured: ") + v.label +
                        " (this kernel has no bridge VLAN filtering, CONFIG_BRIDGE_VLAN_FILTERING)");
      continue;
    }
    std::cerr << "nexus-bench: bridge, sequential, " << v.label << "\n";
    run_variant(bench, sides, v);
  }
  run_floor(bench);
}

}  // namespace nexus::bench
