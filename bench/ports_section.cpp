// Section 6: new TCP connections from the host through a published port, with 1 mapping and with N. A server
// container publishes hostPort 20080 -> its port 80; N-1 more mappings (other host ports) sit on filler
// containers attached before it. Each side publishes with its own plugins (port_chain.h): the bench only
// hands them runtimeConfig.portMappings. The sides run one after the other, not interleaved: both publish
// 20080 on addresses of the one bench netns, and the reference's iptables rules would also see (and tax) the
// other side's connections.
#include <iostream>

#include "bench/bench.h"
#include "bench/port_chain.h"
#include "bench/tcp_timing.h"

namespace nexus::bench {
namespace {

constexpr const char* kSection = kPortsSection;
constexpr unsigned kHostPort = 20080;
constexpr unsigned kServerPort = 80;
constexpr unsigned kFillerHostPorts = 30000;  // filler mapping j publishes 30000 + j
constexpr size_t kFillerBatch = 100;          // mappings per filler container
constexpr std::chrono::milliseconds kConnectTimeout{1000};
// Failures in a row, before any success, after which the published port is taken as not published.
constexpr size_t kGiveUp = 10;

std::string mappings_text(size_t n) { return std::to_string(n) + (n == 1 ? " mapping" : " mappings"); }

struct Container {
  std::string id;
  std::vector<PortMapping> mappings;
  std::string result;  // the ADD's final result, the DEL's prevResult
};

// The filler containers of a run with `total` mappings: total-1 mappings, kFillerBatch a container. Container
// IDs name the run, so that what a failed DEL left cannot meet the next run.
std::vector<Container> fillers(size_t total) {
  std::vector<Container> all;
  for (size_t j = 0; j + 1 < total; ++j) {
    if (j % kFillerBatch == 0)
      all.push_back({"ports-" + std::to_string(total) + "-filler-" + std::to_string(all.size()), {}, {}});
    all.back().mappings.push_back({static_cast<unsigned>(kFillerHostPorts + j), kServerPort});
  }
  return all;
}

// Every ADD (or DEL) of a run: the plugin calls' times added up, and the containers whose list failed.
struct Setup {
  double seconds = 0;
  size_t failures = 0;
  std::string first_error;
};

void record(const Container& c, const ChainOutcome& o, Setup& setup) {
  setup.seconds += o.seconds;
  if (o.ok) return;
  if (setup.failures++ == 0) setup.first_error = c.id + ": " + o.error.substr(0, o.error.find('\n'));
}

struct Traffic {
  std::vector<double> published, direct;  // ms, connect until the server's accept+close is seen
  double published_busy_s = 0;            // socket() to close() of the successful published connections
  size_t published_failures = 0, direct_failures = 0;
  std::string published_error, direct_error;  // the first of each
};

void record(std::variant<ConnectTimes, ConnectFailure> outcome, std::vector<double>& samples, size_t& failures,
            std::string& first_error, double* busy_s = nullptr) {
  if (auto* t = std::get_if<ConnectTimes>(&outcome)) {
    samples.push_back(ms(t->connected_s));
    if (busy_s) *busy_s += t->total_s;
    return;
  }
  if (failures++ == 0) first_error = std::get<ConnectFailure>(outcome).what;
}

// Sequential new connections, alternating: through the published port (the host's address), then straight to
// the container (no NAT: the floor the published path adds its lookup to), so that load hits both alike.
Traffic connect_many(const Bench& bench, const Side& side, const std::string& server_ip) {
  Traffic t;
  bool published_dead = false;
  for (size_t i = 0; i < bench.options.connections; ++i) {
    if (i % 64 == 0) check_stop();
    if (!published_dead) {
      record(timed_connect(side.gateway(), kHostPort, kConnectTimeout), t.published, t.published_failures,
             t.published_error, &t.published_busy_s);
      published_dead = t.published.empty() && t.published_failures >= kGiveUp;
    }
    record(timed_connect(server_ip, kServerPort, kConnectTimeout), t.direct, t.direct_failures, t.direct_error);
  }
  return t;
}

}  // namespace

std::string new_connection_metric(size_t mappings) { return "new connection, " + mappings_text(mappings); }
std::string no_nat_metric(size_t mappings) { return "no NAT: straight to the container, " + mappings_text(mappings); }

namespace {

void report_traffic(Bench& bench, const Side& side, size_t n, const Traffic& t) {
  const std::string what = mappings_text(n);
  const std::string& label = side.label;
  if (t.published_failures > 0)
    bench.report.note(label + ": " + std::to_string(t.published_failures) + " connections to " + side.gateway() + ":" +
                      std::to_string(kHostPort) + " with " + what + " failed, first: " + t.published_error +
                      (t.published.empty() ? " (the port was not published; gave up after " +
                                                 std::to_string(kGiveUp) + ")"
                                           : ""));
  if (t.direct_failures > 0)
    bench.report.note(label + ": " + std::to_string(t.direct_failures) + " direct connections with " + what +
                      " failed, first: " + t.direct_error);
  bench.report.set(kSection, new_connection_metric(n), "ms", label, summarize(t.published, t.published_failures));
  bench.report.set(kSection, "new connections/s, " + what + " (higher=better)", "conn/s", label,
                   t.published.empty() ? summarize({}, t.published_failures)
                                       : single_value(static_cast<double>(t.published.size()) / t.published_busy_s,
                                                      t.published_failures));
  bench.report.set(kSection, no_nat_metric(n), "ms", label,
                   summarize(t.direct, t.direct_failures));
}

// "ADD, 1000 mappings on 11 containers": the whole setup (or teardown) of a run, one figure.
// `leftovers` (what a DEL left: leases, a forwarded port) count as failures too; their notes are the caller's.
void report_setup(Bench& bench, const Side& side, const std::string& verb, size_t n, size_t containers,
                  const Setup& setup, size_t leftovers = 0) {
  const std::string what = mappings_text(n) + " on " + std::to_string(containers) +
                           (containers == 1 ? " container" : " containers");
  if (setup.failures > 0)
    bench.report.note(side.label + ": " + verb + ", " + what + ": " + std::to_string(setup.failures) +
                      " failed, first " + setup.first_error);
  bench.report.set(kSection, verb + ", " + what, "s", side.label,
                   single_value(setup.seconds, setup.failures + leftovers));
}

// One side with `n` mappings: fillers, then the server, connections, then every DEL; checks what is left.
void run_one(Bench& bench, const Side& side, size_t n) {
  const std::string tag = side.label + "-" + std::to_string(n);
  ScratchDir dir = bench.sandbox.make_dir("ports-" + tag);
  PortChain chain(bench, side, dir.path());
  std::vector<Container> containers = fillers(n);
  // Last: the reference appends each container's rules, so a connection to the server passes every filler's.
  containers.push_back({"ports-" + std::to_string(n) + "-server", {{kHostPort, kServerPort}}, {}});
  std::vector<ContainerNetns> netns = bench.make_netns("ports-" + tag, containers.size());

  Setup add;
  for (size_t i = 0; i < containers.size(); ++i) {
    ChainOutcome o = chain.add(containers[i].id, netns[i].path(), containers[i].mappings);
    containers[i].result = o.result;
    record(containers[i], o, add);
  }
  report_setup(bench, side, "ADD", n, containers.size(), add);

  Traffic traffic;
  if (const std::optional<std::string> server_ip = first_ip(containers.back().result)) {
    AcceptCloseServer server(netns.back().path(), kServerPort);
    if (server.error().empty()) traffic = connect_many(bench, side, *server_ip);
    else bench.report.note(side.label + ": no server in the container: " + server.error());
  }
  // No server (its ADD failed): the rows say failed rather than vanish.
  if (traffic.published.empty() && traffic.published_failures == 0) traffic.published_failures = 1;
  if (traffic.direct.empty() && traffic.direct_failures == 0) traffic.direct_failures = 1;
  report_traffic(bench, side, n, traffic);

  Setup del;
  for (size_t i = containers.size(); i-- > 0;)
    record(containers[i], chain.del(containers[i].id, netns[i].path(), containers[i].mappings,
                                    containers[i].result), del);
  // What the DELs must have taken away: every lease, and the forwarding of the host port (a refused connection
  // says nothing forwards it; a timeout says a rule still sends it to the container's former address).
  const size_t leaked = count_leases(dir.path());
  if (leaked > 0)
    bench.report.note(side.label + ": " + std::to_string(leaked) + " leases left after DEL with " + mappings_text(n));
  auto probe = timed_connect(side.gateway(), kHostPort, kConnectTimeout);
  const auto* failure = std::get_if<ConnectFailure>(&probe);
  const bool still_forwarded = !failure || !failure->refused;
  if (still_forwarded)
    bench.report.note(side.label + ": port " + std::to_string(kHostPort) + " still forwarded after DEL with " +
                      mappings_text(n) + " (" + (failure ? failure->what : "it connected") + ")");
  report_setup(bench, side, "DEL", n, containers.size(), del, leaked + (still_forwarded ? 1 : 0));
}

}  // namespace

void run_ports_section(Bench& bench) {
  for (const Side& side : bench.sides) {
    if (!side.has_bridge()) continue;
    if (!side.has_portmap()) {
      bench.report.note(side.label + ": no " + (side.dir / side.portmap_plugin).string() + ": ports not measured");
      continue;
    }
    for (size_t n : bench.options.port_mappings) {
      std::cerr << "nexus-bench: ports, " << mappings_text(n) << ", " << side.label << "\n";
      run_one(bench, side, n);
    }
  }
}

}  // namespace nexus::bench
