#pragma once
// Helpers shared by the lease store tests: a throwaway data dir and host-local-format files written by hand.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/base/error.h"
#include "shared/ipam/allocator.h"
#include "shared/ipam/range.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::ipam::test {

namespace fs = std::filesystem;

/// A throwaway directory (testutil::TempDir) with the lease store's data dir inside it.
struct StoreDir : testutil::TempDir {
  using testutil::TempDir::TempDir;
  fs::path root() const { return path(); }
  std::string data() const { return (root() / "data").string(); }
  fs::path net(const std::string& network = "net1") const { return root() / "data" / network; }
};

inline IpAddress ip(const char* t) { return *IpAddress::parse(t); }

inline RangeSet range_set(const char* json_text) {
  return parse_range_set(nlohmann::json::parse(json_text));
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

/// Lease files (names that are canonical addresses) in a network dir, sorted.
inline std::vector<std::string> lease_names(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (const auto a = IpAddress::parse(name); a && a->to_string() == name) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// What host-local's ReleaseByID does: walk the tree, delete files whose trimmed content matches.
inline int host_local_release(const fs::path& dir, const std::string& id, const std::string& ifname) {
  int removed = 0;
  std::vector<fs::path> victims;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string c = slurp(e.path());
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.pop_back();
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.front()))) c.erase(0, 1);
    if (c == id + "\r\n" + ifname) victims.push_back(e.path());
  }
  for (const auto& v : victims) removed += fs::remove(v) ? 1 : 0;
  return removed;
}

/// The code of the Error `fn` throws, or -1.
template <class Fn>
int error_code(Fn fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return static_cast<int>(e.code());
  }
  return -1;
}

}  // namespace nexus::ipam::test
