#include "tests/testutil/inspect.h"

#include <doctest/doctest.h>

#include <sstream>

#include "tests/testutil/netns_fixture.h"

namespace nexus::testutil {
namespace {

std::string checked(const std::string& what, const CommandResult& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, "inspection failed (exit ", r.exit_code, "): ", what, "\n", r.err);
  return r.out;
}

// "2: eth0@if5: <...> ..." -> "eth0"
std::vector<std::string> names_of(const std::string& ip_o_link) {
  std::vector<std::string> names;
  std::istringstream lines(ip_o_link);
  for (std::string line; std::getline(lines, line);) {
    const size_t a = line.find(": ");
    const size_t b = line.find_first_of("@:", a + 2);
    if (a != std::string::npos && b != std::string::npos) names.push_back(line.substr(a + 2, b - a - 2));
  }
  return names;
}

}  // namespace

std::vector<std::string> link_names(const std::string& filter) { return names_of(inspect("ip -o link show " + filter)); }

std::vector<std::string> link_names_in(const TestNetns& ns, const std::string& filter) {
  return names_of(inspect_in(ns, "ip -o link show " + filter));
}

bool has_link(const std::string& name) {
  for (const auto& n : link_names())
    if (n == name) return true;
  return false;
}

bool has_link_in(const TestNetns& ns, const std::string& name) {
  for (const auto& n : link_names_in(ns))
    if (n == name) return true;
  return false;
}

std::string inspect(const std::string& shell_command, const CommandOptions& options) {
  return checked(shell_command, run_shell(shell_command, options));
}

std::string inspect(const std::vector<std::string>& argv, const CommandOptions& options) {
  std::string what;
  for (const auto& a : argv) what += (what.empty() ? "" : " ") + a;
  return checked(what, run_command(argv, options));
}

std::string inspect_in(const TestNetns& ns, const std::string& shell_command) {
  return checked(shell_command + " (in " + ns.name() + ")", run_in_netns(ns, shell_command));
}

int count_lines_with(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line);) n += line.find(needle) != std::string::npos;
  return n;
}

}  // namespace nexus::testutil
