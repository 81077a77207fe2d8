#include "launcher/env_options.h"

#include <cstdlib>
#include <fstream>

#include "launcher/launcher_error.h"

namespace nexus::launcher {
namespace {

// Appends `text`'s assignment to `out`; `where` names it in an error ("-e 'X'", "f.env:3").
void add_assignment(const std::string& text, const std::string& where, std::vector<std::string>& out) {
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos)
    throw LauncherError("invalid environment variable " + where + ": '" + text + "'",
                        "write NAME=value (or NAME to pass on this shell's value); a name has no '=' or spaces");
  if (eq != std::string::npos) {
    out.push_back(text);
  } else if (const char* value = std::getenv(name.c_str())) {
    out.push_back(name + "=" + value);
  }
}

}  // namespace

std::vector<std::string> parse_env_options(const std::vector<std::string>& env_args,
                                           const std::vector<std::string>& env_files) {
  std::vector<std::string> out;
  for (const std::string& path : env_files) {
    std::ifstream in(path);
    if (!in) throw LauncherError("cannot read --env-file '" + path + "'", "give a readable file of NAME=value lines");
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line.front() == '#') continue;
      add_assignment(line, path + ":" + std::to_string(number), out);
    }
  }
  for (const std::string& arg : env_args) add_assignment(arg, "-e", out);
  return out;
}

}  // namespace nexus::launcher
