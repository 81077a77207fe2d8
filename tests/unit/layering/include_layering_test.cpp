// The floors of the source tree and the test that the #include graph respects them. This table is the one
// statement of the layering; README's "Layout" table describes it (the last case checks it gives each floor).
// A folder may include its own files and those of lower floors, never a higher floor nor another folder of its
// own floor. A folder missing from the table fails the test, so a new folder is placed here on purpose.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Floor {
  const char* folder;
  int level;  // 0 is the ground floor
};

constexpr Floor kLayering[] = {
    {"shared/base", 0},           // the error type and vocabulary types; the C++ standard library only
    {"shared/util", 1},           // fds, pipes, children, undo
    {"shared/net", 2},            // netlink through libnl, netns
    {"shared/nat", 3},            // nftables through libnftables
    {"shared/cni", 4},            // the CNI protocol
    {"shared/neighbours", 4},     // other firewalls on the same host: reading their rules, passing them their way
    {"shared/ipam", 5},           // address ranges and the lease store
    {"shared/nft_session", 5},    // where libnftables runs: in-process, or in nexus-bridge's helper
    {"shared/runtime", 6},        // the runtime side: conflists, libcni's cache, nodes
    {"shared/ipam_plugin", 6},    // nexus-ipam's configuration and verbs, which nexus-bridge also runs
    {"shared/bridge_conf", 6},    // nexus-bridge's configuration, which the launcher's firewall-reload also reads
    {"plugins/nexus-bridge", 7},  // the executables, side by side at the top
    {"plugins/nexus-ipam", 7},
    {"plugins/nexus-nftables", 7},
    {"launcher", 7},
};

// The trees whose files are held to the layering (tests, bench and fuzz may include anything).
constexpr const char* kScannedRoots[] = {"shared", "plugins", "launcher"};

std::optional<Floor> floor_of(const std::string& path) {
  std::optional<Floor> best;
  for (const Floor& f : kLayering) {
    const std::string prefix = std::string(f.folder) + "/";
    if (path.compare(0, prefix.size(), prefix) == 0 &&
        (!best || std::string(f.folder).size() > std::string(best->folder).size()))
      best = f;
  }
  return best;
}

struct Scan {
  int files = 0;
  int edges = 0;
  std::vector<std::string> problems;  // "<file>: <what is wrong>"
};

// Every `#include "..."` of every .h/.cpp under the scanned roots; includes are written from the source root.
Scan scan_tree(const std::filesystem::path& root) {
  static const std::regex include_line(R"(^\s*#\s*include\s*"([^"]+)\")");
  Scan scan;
  for (const char* top : kScannedRoots) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
      const std::string file = entry.path().lexically_relative(root).generic_string();
      ++scan.files;
      const auto from = floor_of(file);
      if (!from) {
        scan.problems.push_back(file + ": its folder has no floor in the layering table");
        continue;
      }
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        std::smatch m;
        if (!std::regex_search(line, m, include_line)) continue;
        ++scan.edges;
        const std::string target = m[1];
        const std::string where = file + ":" + std::to_string(number) + ": #include \"" + target + "\"";
        const auto to = floor_of(target);
        if (!to)
          scan.problems.push_back(where + ": not in a folder of the layering table");
        else if (std::string(to->folder) != from->folder && to->level >= from->level)
          scan.problems.push_back(where + ": " + from->folder + " (floor " + std::to_string(from->level) +
                                  ") may not include " + to->folder + " (floor " + std::to_string(to->level) + ")");
      }
    }
  }
  return scan;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

}  // namespace

TEST_CASE("layering: the placement rule") {
  CHECK(floor_of("shared/base/error.h")->level == 0);
  CHECK(std::string(floor_of("plugins/nexus-ipam/main.cpp")->folder) == "plugins/nexus-ipam");
  CHECK_FALSE(floor_of("shared/newfolder/x.h"));
  CHECK_FALSE(floor_of("launcherish/x.h"));
}

TEST_CASE("layering: every #include in shared/, plugins/ and launcher/ goes to its own folder or a lower floor") {
  const Scan scan = scan_tree(NEXUS_SOURCE_DIR);
  // Not vacuous: the tree has well over a hundred files and several hundred includes.
  REQUIRE(scan.files > 100);
  REQUIRE(scan.edges > 300);
  CHECK_MESSAGE(scan.problems.empty(),
                scan.problems.size() << " include(s) break the layering:" << joined(scan.problems));
}

TEST_CASE("layering: README's Layout table gives every folder of the table its floor") {
  std::ifstream in(std::string(NEXUS_SOURCE_DIR) + "/README.md");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string readme = buf.str();
  const auto start = readme.find("### Layout");
  REQUIRE_MESSAGE(start != std::string::npos, "README.md has no \"### Layout\" section");
  const auto end = readme.find("\n#", start + 1);
  const std::string layout = readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
  for (const Floor& f : kLayering) {
    const std::string row = "| " + std::to_string(f.level) + " | `" + f.folder + "` |";
    CHECK_MESSAGE(layout.find(row) != std::string::npos, "README's Layout table has no row \"" << row << " ...\"");
  }
}
