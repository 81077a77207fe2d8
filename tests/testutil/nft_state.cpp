#include "tests/testutil/nft_state.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/testutil/command.h"

namespace nexus::testutil {
namespace {

// An element key as `nft -j` prints it: "10.0.0.2", or {"elem":{"val":"10.0.0.2","comment":...}}.
std::string element_address(const nlohmann::json& key) {
  if (key.is_object() && key.contains("elem")) return element_address(key["elem"]["val"]);
  return key.is_string() ? key.get<std::string>() : key.dump();
}

}  // namespace

std::multiset<std::string> masqueraded_v4() {
  std::multiset<std::string> out;
  // Absent table: nothing masqueraded. Any other failure of nft must fail the test, not read as "none".
  const CommandResult tables = run_shell("nft list tables");
  REQUIRE_MESSAGE(tables.exit_code == 0, "nft list tables failed: ", tables.err);
  if (tables.out.find("table inet nexus\n") == std::string::npos) return out;
  const CommandResult map = run_shell("nft -j list map inet nexus masq_v4");
  REQUIRE_MESSAGE(map.exit_code == 0, "nft list map inet nexus masq_v4 failed: ", map.err);
  const auto j = nlohmann::json::parse(map.out, nullptr, false);
  REQUIRE_MESSAGE((!j.is_discarded() && j.contains("nftables")), "nft -j printed no ruleset: ", map.out);
  for (const auto& item : j["nftables"])
    if (item.contains("map") && item["map"].contains("elem"))
      for (const auto& e : item["map"]["elem"]) out.insert(element_address(e[0]));
  return out;
}

}  // namespace nexus::testutil
