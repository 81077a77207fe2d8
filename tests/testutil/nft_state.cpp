#include "tests/testutil/nft_state.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "shared/base/ip_address.h"
#include "tests/testutil/command.h"

namespace nexus::testutil {
namespace {

// A key as `nft -j` prints it: "10.0.0.2", {"concat": ["br0", "10.0.0.2", ...]}, either one wrapped in
// {"elem": {"val": <key>, "comment": ...}} when it carries a comment.
MasqElement parse_key(const nlohmann::json& key) {
  if (key.is_object() && key.contains("elem")) {
    MasqElement e = parse_key(key["elem"]["val"]);
    e.owner = key["elem"].value("comment", "");
    return e;
  }
  if (key.is_object() && key.contains("concat")) return {key["concat"][0], key["concat"][1], ""};
  return {"", key.is_string() ? key.get<std::string>() : key.dump(), ""};
}

// Absent table: nothing there. Any other failure of nft must fail the test, not read as "none".
nlohmann::json table(const std::string& name = "inet nexus") {
  const CommandResult tables = run_shell("nft list tables");
  REQUIRE_MESSAGE(tables.exit_code == 0, "nft list tables failed: ", tables.err);
  if (tables.out.find("table " + name + "\n") == std::string::npos) return nlohmann::json::array();
  const CommandResult listed = run_shell("nft -j list table " + name);
  REQUIRE_MESSAGE(listed.exit_code == 0, "nft list table ", name, " failed: ", listed.err);
  const auto j = nlohmann::json::parse(listed.out, nullptr, false);
  REQUIRE_MESSAGE((!j.is_discarded() && j.contains("nftables")), "nft -j printed no ruleset: ", listed.out);
  return j["nftables"];
}

bool is_v4(const std::string& address) {
  const auto a = nexus::IpAddress::parse(address);
  return a && a->is_v4();
}

}  // namespace

std::vector<MasqElement> masquerade_elements() {
  std::vector<MasqElement> out;
  for (const auto& item : table())
    if (item.contains("map") && item["map"].value("map", "") == "verdict" && item["map"].contains("elem"))
      for (const auto& e : item["map"]["elem"]) out.push_back(parse_key(e[0]));
  return out;
}

std::multiset<std::string> masqueraded_v4() {
  std::multiset<std::string> out;
  for (const auto& e : masquerade_elements())
    if (is_v4(e.address)) out.insert(e.address);
  return out;
}

std::multiset<std::string> owner_tokens_v4() {
  std::multiset<std::string> out;
  for (const auto& item : table())
    if (item.contains("set") && item["set"].value("name", "") == "bridge_owner_v4" && item["set"].contains("elem"))
      for (const auto& e : item["set"]["elem"]) out.insert(parse_key(e).address);
  return out;
}

std::multiset<PortElement> port_elements() {
  std::multiset<PortElement> out;
  for (const auto& item : table()) {
    if (!item.contains("map") || !item["map"].value("name", "").starts_with("port_dnat_")) continue;
    for (const auto& e : item["map"].value("elem", nlohmann::json::array())) {
      const bool commented = e[0].is_object() && e[0].contains("elem");
      const nlohmann::json& key = commented ? e[0]["elem"]["val"] : e[0];
      const nlohmann::json& value = e[1].is_object() && e[1].contains("concat") ? e[1]["concat"] : e[1];
      out.insert({item["map"]["name"], (key.contains("concat") ? key["concat"] : key).dump() + " -> " + value.dump(),
                  commented ? e[0]["elem"].value("comment", "") : ""});
    }
  }
  return out;
}

int port_owner_tokens() {
  int n = 0;
  for (const auto& item : table())
    if (item.contains("set") && item["set"].value("name", "").starts_with("port_owner_"))
      n += static_cast<int>(item["set"].value("elem", nlohmann::json::array()).size());
  return n;
}

std::map<std::string, SpoofCheckElements> spoof_check_elements() {
  std::map<std::string, SpoofCheckElements> out;
  for (const auto& item : table("bridge nexus")) {
    if (!item.contains("set") || !item["set"].contains("elem")) continue;
    const std::string set = item["set"].value("name", "");
    for (const auto& e : item["set"]["elem"]) {
      if (set == "macspoofchk_owner") {  // {"concat": [port, mark, mark]}
        ++out[e["concat"][0].get<std::string>()].tokens;
        continue;
      }
      const MasqElement key = parse_key(e);  // {port, MAC, ""}, or {"", port, comment}
      if (set == "macspoofchk_macs") out[key.bridge].macs.push_back(key.address);
      if (set != "macspoofchk_ports") continue;
      SpoofCheckElements& port = out[key.address];
      port.owner = key.owner;
      port.in_ports = true;
    }
  }
  return out;
}

uint64_t spoof_check_drops() {
  uint64_t packets = 0;
  for (const auto& item : table("bridge nexus")) {
    if (!item.contains("rule") || item["rule"].value("chain", "") != "macspoofchk") continue;
    for (const auto& e : item["rule"]["expr"])
      if (e.contains("counter")) packets += e["counter"].value("packets", uint64_t{0});
  }
  return packets;
}

}  // namespace nexus::testutil
