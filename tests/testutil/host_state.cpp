#include "tests/testutil/host_state.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"

namespace nexus::testutil {
namespace {

namespace fs = std::filesystem;

// The sysctls Nexus writes (shared/net/sysctl.cpp enable_forwarding) and their neighbours, read in the
// calling thread's netns: /proc/sys/net belongs to the netns of the thread that opens it.
constexpr const char* kSysctls[] = {
    "net/ipv4/ip_forward",
    "net/ipv4/conf/all/forwarding",
    "net/ipv4/conf/default/forwarding",
    "net/ipv6/conf/all/forwarding",
    "net/ipv6/conf/default/forwarding",
};

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// iptables-save without what changes on its own: the "# Generated ... on <date>" comments and packet counters.
std::string stable_iptables(const std::string& text) {
  static const std::regex counters(R"(\[[0-9]+:[0-9]+\])");
  std::istringstream lines(text);
  std::string out;
  for (std::string line; std::getline(lines, line);)
    if (!line.starts_with("#")) out += std::regex_replace(line, counters, "[counters]") + "\n";
  return out;
}

// `ip -d link` without what a bridge's or port's running timers change on their own ("gc_timer  299.58").
std::string stable_links(const std::string& text) {
  static const std::regex timers(R"(([a-z_]+_timer) +[0-9.]+)");
  return std::regex_replace(text, timers, "$1 (running)");
}

std::string sysctls() {
  std::string out;
  for (const char* path : kSysctls) {
    const fs::path p = fs::path("/proc/sys") / path;
    out += std::string(path) + " = " + (fs::exists(p) ? read_whole(p) : "(absent)\n");
  }
  return out;
}

// Every entry under `root`, sorted: path, type, mode, and a file's content (symlinks: their target).
std::string tree(const std::string& root) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return "(absent)\n";
  std::map<std::string, std::string> entries;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) continue;  // gone meanwhile: then it is not in the snapshot
    std::ostringstream e;
    e << std::oct << (st.st_mode & 07777) << std::dec;
    if (S_ISREG(st.st_mode)) e << " file " << st.st_size << " " << std::hash<std::string>{}(read_whole(p));
    else if (S_ISDIR(st.st_mode)) e << " dir";
    else if (S_ISLNK(st.st_mode)) e << " symlink -> " << fs::read_symlink(p, ec).string();
    else e << " other";
    entries[fs::relative(p, root, ec).string()] = e.str();
  }
  std::string out;
  for (const auto& [path, what] : entries) out += path + ": " + what + "\n";
  return out;
}

// A fresh link's IPv6 link-local addresses are tentative for a second or two (DAD); when DAD ends, the kernel
// drops the flag and adds their local routes on its own. A snapshot waits for that (at most a few seconds, and
// not for addresses whose DAD failed), so that only what the code under test did shows as a change.
void wait_for_dad(const std::string& ip) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!inspect(ip + " -6 addr show tentative -dadfailed").empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

// One `ip` for links (-d: their kind, bridge-port settings; master is on every line), addresses, routes of every
// table and family, and policy rules: the snapshot runs before and after each case, and each exec counts.
constexpr const char* kIpBatch = "link show\naddr show\nroute show table all\nrule show\n";

HostState capture_host_state(const std::vector<std::string>& dirs) {
  wait_for_dad("ip");
  HostState s;
  s.parts["ip links, addresses, routes, rules"] = stable_links(inspect("ip -d -o -batch -", {.stdin_data = kIpBatch}));
  s.parts["nft ruleset"] = inspect("nft list ruleset");
  s.parts["iptables-save"] = stable_iptables(inspect("iptables-save"));
  s.parts["ip6tables-save"] = stable_iptables(inspect("ip6tables-save"));
  s.parts["sysctls"] = sysctls();
  for (const auto& d : dirs) s.parts["files " + d] = tree(d);
  return s;
}

HostState capture_netns_state(const TestNetns& ns) {
  wait_for_dad("ip -n " + ns.name());
  HostState s;
  s.parts["ip links, addresses, routes, rules"] =
      stable_links(inspect("ip -n " + ns.name() + " -d -o -batch -", {.stdin_data = kIpBatch}));
  return s;
}

std::string describe_changes(const HostState& before, const HostState& after) {
  std::string out;
  std::map<std::string, int> names;
  for (const auto& [k, v] : before.parts) names[k] |= 1;
  for (const auto& [k, v] : after.parts) names[k] |= 2;
  for (const auto& [name, in] : names) {
    const std::string a = in & 1 ? before.parts.at(name) : "(not captured)\n";
    const std::string b = in & 2 ? after.parts.at(name) : "(not captured)\n";
    if (a != b) out += "--- " + name + " before:\n" + a + "+++ " + name + " after:\n" + b;
  }
  return out;
}

}  // namespace nexus::testutil
