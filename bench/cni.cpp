#include "bench/cni.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace nexus::bench {
namespace {

using nlohmann::json;

bool executable(const std::filesystem::path& path) { return ::access(path.c_str(), X_OK) == 0; }

json ipam_section(const Side& side, const std::filesystem::path& data_dir) {
  return {{"type", side.ipam_plugin},
          {"ranges", json::array({json::array({{{"subnet", side.subnet()}}})})},
          {"dataDir", data_dir.string()}};
}

std::string ipv4_text(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

}  // namespace

std::string Side::subnet() const { return "10." + std::to_string(subnet_octet) + ".0.0/16"; }

std::string Side::gateway() const { return "10." + std::to_string(subnet_octet) + ".0.1"; }

bool Side::has_ipam() const { return executable(dir / ipam_plugin); }
bool Side::has_bridge() const { return has_ipam() && executable(dir / bridge_plugin); }
bool Side::has_portmap() const { return has_bridge() && (portmap_plugin.empty() || executable(dir / portmap_plugin)); }

std::string ipam_config(const Side& side, const std::filesystem::path& data_dir) {
  json config = {{"cniVersion", "1.0.0"}, {"name", kNetworkName}, {"type", "x"},
                 {"ipam", ipam_section(side, data_dir)}};
  return config.dump();
}

std::string bridge_config(const Side& side, bool ip_masq, const std::filesystem::path& data_dir,
                          const std::string& options) {
  json config = {{"cniVersion", "1.0.0"}, {"name", kNetworkName},       {"type", side.bridge_plugin},
                 {"bridge", side.bridge_device}, {"isGateway", true},   {"ipMasq", ip_masq},
                 {"hairpinMode", true},  {"ipam", ipam_section(side, data_dir)}};
  config.update(json::parse(options));
  return config.dump();
}

Command cni_command(const Side& side, const std::string& plugin, const std::string& verb,
                    const std::string& container_id, const std::string& netns, const std::string& config) {
  Command cmd;
  cmd.path = (side.dir / plugin).string();
  // PATH too, as runtimes pass theirs: the reference bridge execs iptables for ipMasq.
  cmd.env = {"CNI_COMMAND=" + verb,  "CNI_CONTAINERID=" + side.label + "-" + container_id, "CNI_NETNS=" + netns,
             "CNI_IFNAME=eth0",      "CNI_PATH=" + side.dir.string(),
             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  cmd.stdin_data = config;
  return cmd;
}

std::string config_with_prev_result(const std::string& config, const std::string& add_result) {
  json result = json::parse(add_result, nullptr, false);
  if (result.is_discarded()) return config;
  json with_prev = json::parse(config);
  with_prev["prevResult"] = std::move(result);
  return with_prev.dump();
}

std::optional<std::string> first_ip(const std::string& result_json) {
  json result = json::parse(result_json, nullptr, false);
  if (result.is_discarded() || !result.contains("ips")) return std::nullopt;
  for (const json& ip : result["ips"]) {
    std::string address = ip.value("address", "");
    if (address.find('.') != std::string::npos) return address.substr(0, address.find('/'));
  }
  return std::nullopt;
}

void write_leases(const std::filesystem::path& data_dir, size_t count, const Side& side) {
  std::filesystem::path network = data_dir / kNetworkName;
  std::filesystem::create_directories(network);
  const uint32_t first = (10u << 24) | (side.subnet_octet << 16) | 2u;  // .0.1 is the gateway
  for (size_t i = 0; i < count; ++i) {
    if (i % 1000 == 0) check_stop();  // 60,000 files take a while on a busy disk: stay responsive to Ctrl-C
    std::ofstream file(network / ipv4_text(first + static_cast<uint32_t>(i)), std::ios::binary);
    file << "prepopulated-" << i << "\r\neth0";
    if (!file) throw std::runtime_error("cannot write lease in " + network.string());
  }
}

size_t count_leases(const std::filesystem::path& data_dir) {
  std::filesystem::path network = data_dir / kNetworkName;
  size_t count = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(network, ec)) {
    // Leases are the files named by an address; anything else (last_reserved_ip.*, lock, an index) is not.
    std::string name = entry.path().filename().string();
    in6_addr buf{};
    if (::inet_pton(AF_INET, name.c_str(), &buf) == 1 || ::inet_pton(AF_INET6, name.c_str(), &buf) == 1) ++count;
  }
  return count;
}

}  // namespace nexus::bench
