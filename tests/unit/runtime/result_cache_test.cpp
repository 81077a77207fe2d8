#include "shared/runtime/result_cache.h"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;
using nlohmann::json;

TEST_CASE("base64 matches RFC 4648 test vectors and round-trips") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_decode("Zm9vYmE=") == "fooba");
  CHECK_FALSE(base64_decode("Zm9"));
  CHECK_FALSE(base64_decode("Zm9!"));
  std::string binary("\0\xff\x10 {}", 6);
  CHECK(base64_decode(base64_encode(binary)) == binary);
}

TEST_CASE("cache entries use libcni's cniCacheV1 layout") {
  CachedAttachment entry{"net", "c1", "eth0", "/run/netns/c1", R"({"name":"net"})",
                         {{"IgnoreUnknown", "1"}, {"IP", "10.0.0.5"}}, json{{"ips", {"10.0.0.5"}}},
                         json{{"cniVersion", "1.0.0"}}};
  json doc = to_cache_json(entry);
  CHECK(doc["kind"] == "cniCacheV1");
  CHECK(doc["containerId"] == "c1");
  CHECK(doc["ifName"] == "eth0");
  CHECK(doc["networkName"] == "net");
  CHECK(doc["config"] == base64_encode(R"({"name":"net"})"));
  CHECK(doc["cniArgs"] == json::array({json::array({"IgnoreUnknown", "1"}), json::array({"IP", "10.0.0.5"})}));
  CHECK(doc["capabilityArgs"]["ips"][0] == "10.0.0.5");
  CHECK(doc["result"]["cniVersion"] == "1.0.0");
  auto back = from_cache_json(doc);
  REQUIRE(back);
  CHECK(back->config == entry.config);
  CHECK(back->cni_args == entry.cni_args);
  CHECK_FALSE(from_cache_json(json{{"kind", "other"}}));
}

TEST_CASE("ResultCache saves under results/<network>-<id>-<ifname>, loads by exact network, removes idempotently") {
  nexus::testutil::TempDir dir;
  ResultCache cache(dir.path());
  cache.save({"a", "c1", "eth0", "", "{}", {}, json::object(), json{{"ips", json::array()}}});
  cache.save({"a-b", "c2", "eth0", "", "{}", {}, json::object(), nullptr});
  CHECK(cache.path("a", "c1", "eth0") == dir.path() + "/results/a-c1-eth0");
  CHECK(nexus::testutil::list_dir(dir.path() + "/results") == std::vector<std::string>{"a-b-c2-eth0", "a-c1-eth0"});
  auto loaded = cache.load("a", "c1", "eth0");
  REQUIRE(loaded);
  CHECK(loaded->result.contains("ips"));
  auto other = cache.load("a-b", "c2", "eth0");
  REQUIRE(other);
  CHECK(other->network == "a-b");
  std::ofstream(cache.path("a", "c1", "eth0") + ".tmp") << "{";  // an interrupted save
  cache.remove("a", "c1", "eth0");
  cache.remove("a", "c1", "eth0");
  CHECK(nexus::testutil::list_dir(dir.path() + "/results") == std::vector<std::string>{"a-b-c2-eth0"});
  CHECK_FALSE(cache.load("a", "c1", "eth0"));
}

TEST_CASE("ResultCache::list gives every parsable entry in file name order, whoever wrote it") {
  nexus::testutil::TempDir dir;
  ResultCache cache(dir.path());
  CHECK(cache.list().empty());  // no results/ yet
  cache.save({"net", "c2", "eth0", "", "{}", {}, json::object(), nullptr});
  cache.save({"net", "c1", "eth0", "/run/netns/x", "{}", {}, json::object(), json{{"ips", json::array()}}});
  std::ofstream(cache.path("net", "c3", "eth0") + ".tmp") << to_cache_json({"net", "c3", "eth0", "", "{}", {},
                                                                            json::object(), nullptr});
  std::ofstream(cache.path("net", "c4", "eth0")) << "not json";
  std::ofstream(cache.path("net", "c5", "eth0")) << R"({"kind":"somethingElse"})";
  const std::vector<CachedAttachment> all = cache.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].container_id == "c1");
  CHECK(all[0].netns == "/run/netns/x");
  CHECK(all[1].container_id == "c2");
}
