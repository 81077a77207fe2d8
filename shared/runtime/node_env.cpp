#include "shared/runtime/node_env.h"

#include <cstdlib>

namespace nexus::runtime {
namespace {

std::string name_of(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

}  // namespace

std::vector<std::string> with_assignments(std::vector<std::string> base, const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) {
    bool replaced = false;
    for (std::string& b : base)
      if (name_of(b) == name_of(a)) b = a, replaced = true;
    if (!replaced) base.push_back(a);
  }
  return base;
}

std::vector<std::string> node_environment(const std::string& hostname, const std::vector<std::string>& assignments) {
  return with_assignments({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                           "HOSTNAME=" + hostname},
                          assignments);
}

void replace_environment(const std::vector<std::string>& env) {
  ::clearenv();
  // putenv keeps the pointer: the strings are leaked on purpose, the process execs or exits soon.
  for (const std::string& e : env) ::putenv((new std::string(e))->data());
}

}  // namespace nexus::runtime
