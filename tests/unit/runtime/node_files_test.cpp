#include "shared/runtime/node_files.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "shared/runtime/node_store.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;
using nlohmann::json;

TEST_CASE("render_hosts lists loopback and every node") {
  const auto ip = [](const char* text) { return *nexus::IpAddress::parse(text); };
  std::string hosts = render_hosts("a", {{"a", {ip("10.0.42.2")}}, {"b", {ip("10.0.42.3"), ip("fd00::3")}}});
  CHECK(hosts.find("127.0.0.1\tlocalhost\n") != std::string::npos);
  CHECK(hosts.find("10.0.42.2\ta\n") != std::string::npos);
  CHECK(hosts.find("10.0.42.3\tb\n") != std::string::npos);
  CHECK(hosts.find("fd00::3\tb\n") != std::string::npos);
}

TEST_CASE("render_resolv_conf prefers the result's dns, else the host's non-loopback servers") {
  json dns = {{"nameservers", {"10.0.42.1"}}, {"search", {"svc.local"}}, {"options", {"ndots:2"}}};
  std::string from_result = render_resolv_conf(dns, "nameserver 8.8.8.8\n");
  CHECK(from_result.find("nameserver 10.0.42.1\n") != std::string::npos);
  CHECK(from_result.find("8.8.8.8") == std::string::npos);
  CHECK(from_result.find("search svc.local\n") != std::string::npos);
  CHECK(from_result.find("options ndots:2\n") != std::string::npos);
  std::string from_host = render_resolv_conf(json::object(), "nameserver 127.0.0.53\nnameserver 9.9.9.9\n# x\n");
  CHECK(from_host.find("nameserver 9.9.9.9\n") != std::string::npos);
  CHECK(from_host.find("127.0.0.53") == std::string::npos);
  CHECK(render_resolv_conf(json{{"domain", "d.example"}}, "").find("search d.example") != std::string::npos);
}

TEST_CASE("host_resolv_conf: a stub-only /etc/resolv.conf (systemd-resolved) gives way to the upstream list") {
  nexus::testutil::TempDir dir;
  const std::string etc = dir.path() + "/resolv.conf", upstream = dir.path() + "/upstream.conf";
  const auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  write(etc, "# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n");
  write(upstream, "nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch lan\n");
  const std::string chosen = host_resolv_conf(etc, upstream);
  CHECK(chosen.find("192.0.2.53") != std::string::npos);
  const std::string node = render_resolv_conf(json::object(), chosen);
  CHECK(node.find("nameserver 192.0.2.53\n") != std::string::npos);
  CHECK(node.find("nameserver 2001:db8::53\n") != std::string::npos);
  CHECK(node.find("127.0.0.53") == std::string::npos);
  // A host whose /etc/resolv.conf names a reachable server keeps it, upstream file or not.
  write(etc, "nameserver 198.51.100.1\n");
  CHECK(host_resolv_conf(etc, upstream).find("198.51.100.1") != std::string::npos);
  CHECK(host_resolv_conf(etc, upstream).find("192.0.2.53") == std::string::npos);
  // Stub-only without systemd-resolved's file: nothing better to offer, the stub text stays (and is filtered).
  write(etc, "nameserver 127.0.0.53\n");
  CHECK(host_resolv_conf(etc, dir.path() + "/missing.conf") == "nameserver 127.0.0.53\n");
  CHECK(host_resolv_conf(dir.path() + "/missing.conf", upstream).find("192.0.2.53") != std::string::npos);
}

TEST_CASE("result_addresses keeps the container side of a result") {
  json result = json::parse(R"({"cniVersion":"1.0.0",
    "interfaces":[{"name":"br0"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/x"}],
    "ips":[{"address":"10.0.42.2/24","interface":2},{"address":"10.0.42.1/24","interface":0},
           {"address":"fd00::2/64"}]})");
  CHECK(address_texts(result_addresses(result)) == std::vector<std::string>{"10.0.42.2/24", "fd00::2/64"});
  CHECK(result_addresses(json::object()).empty());
}

TEST_CASE("write_in_place keeps the inode so bind mounts see new content") {
  nexus::testutil::TempDir dir;
  const std::string path = dir.path() + "/hosts";
  write_in_place(path, "first version, longer\n");
  struct stat before {};
  ::stat(path.c_str(), &before);
  write_in_place(path, "second\n");
  struct stat after {};
  ::stat(path.c_str(), &after);
  CHECK(before.st_ino == after.st_ino);
  CHECK(nexus::testutil::read_file(path) == "second\n");
}
