#include "shared/runtime/node_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {
using nlohmann::json;

std::string render_hosts(const std::string& self, const std::vector<HostEntry>& entries) {
  std::string out = "# Written by nexus for node " + self + "; rewritten as nodes come and go.\n";
  out += "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const HostEntry& entry : entries)
    for (const IpAddress& address : entry.addresses) out += address.to_string() + "\t" + entry.name + "\n";
  return out;
}

namespace {

std::vector<std::string> strings(const json& dns, const char* key) {
  std::vector<std::string> out;
  if (!dns.is_object() || !dns.contains(key) || !dns[key].is_array()) return out;
  for (const json& v : dns[key])
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool is_loopback(const std::string& address) { return address.rfind("127.", 0) == 0 || address == "::1"; }

std::vector<std::string> host_nameservers(const std::string& host_resolv_conf) {
  std::vector<std::string> out;
  std::istringstream in(host_resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == "nameserver" && !is_loopback(value)) out.push_back(value);
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

std::string host_resolv_conf(const std::string& etc_path, const std::string& upstream_path) {
  const std::string etc = read_file(etc_path).value_or("");
  if (!host_nameservers(etc).empty()) return etc;
  return read_file(upstream_path).value_or(etc);
}

std::string render_resolv_conf(const json& dns, const std::string& host_resolv_conf) {
  std::vector<std::string> servers = strings(dns, "nameservers");
  std::vector<std::string> search = strings(dns, "search");
  if (search.empty() && dns.is_object() && dns.contains("domain") && dns["domain"].is_string())
    search.push_back(dns["domain"].get<std::string>());
  if (servers.empty()) servers = host_nameservers(host_resolv_conf);
  std::string out = "# Written by nexus.\n";
  for (const std::string& s : servers) out += "nameserver " + s + "\n";
  if (!search.empty()) {
    out += "search";
    for (const std::string& s : search) out += " " + s;
    out += "\n";
  }
  std::vector<std::string> options = strings(dns, "options");
  if (!options.empty()) {
    out += "options";
    for (const std::string& o : options) out += " " + o;
    out += "\n";
  }
  return out;
}

std::vector<IpPrefix> result_addresses(const json& result) {
  std::vector<IpPrefix> out;
  if (!result.is_object() || !result.contains("ips") || !result["ips"].is_array()) return out;
  const json interfaces = result.value("interfaces", json::array());
  for (const json& ip : result["ips"]) {
    if (!ip.is_object() || !ip.contains("address") || !ip["address"].is_string()) continue;
    if (ip.contains("interface") && ip["interface"].is_number_unsigned()) {
      size_t index = ip["interface"].get<size_t>();
      if (index < interfaces.size() && interfaces[index].value("sandbox", "").empty()) continue;  // host side
    }
    if (const auto address = IpPrefix::parse(ip["address"].get<std::string>())) out.push_back(*address);
  }
  return out;
}

void write_in_place(const std::string& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw sys_error("open " + path, errno);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("write " + path, errno);
    done += static_cast<size_t>(n);
  }
}

}  // namespace nexus::runtime
