#include "shared/nat/owned_elements.h"

#include <doctest/doctest.h>

#include "shared/util/fnv1a.h"

using nlohmann::json;
namespace nat = nexus::nat;

TEST_CASE("OwnerToken: the two halves of FNV-1a of its key, written as an element key's two marks") {
  const nat::OwnerToken t = nat::OwnerToken::of("c1/eth0");
  const uint64_t h = nexus::fnv1a("c1/eth0");
  CHECK(t.hi == static_cast<uint32_t>(h >> 32));
  CHECK(t.lo == static_cast<uint32_t>(h));
  CHECK(t == nat::OwnerToken::of("c1/eth0"));
  CHECK_FALSE(t == nat::OwnerToken::of("c1/eth1"));
  CHECK(nat::OwnerToken{0x1, 0xabcdef01}.text() == "0x00000001 . 0xabcdef01");
}

TEST_CASE("is_nft_safe: what a quoted nft string holds without escapes") {
  CHECK(nat::is_nft_safe("c1/eth0"));
  CHECK(nat::is_nft_safe("nex-0123456789a"));
  CHECK(nat::is_nft_safe("a_b.c-d/e:f@g+h"));
  CHECK_FALSE(nat::is_nft_safe(""));
  CHECK_FALSE(nat::is_nft_safe("a\"b"));
  CHECK_FALSE(nat::is_nft_safe("a b"));
  CHECK_FALSE(nat::is_nft_safe(std::string(121, 'a')));
  CHECK(nat::is_nft_safe(std::string(120, 'a')));
}

TEST_CASE("element_concat: a key with or without a comment; anything else is none") {
  std::string comment = "unchanged";
  const json plain = json::parse(R"({"concat": ["nex-a", "02:00:00:00:00:01"]})");
  REQUIRE(nat::element_concat(plain, &comment) != nullptr);
  CHECK((*nat::element_concat(plain))[1] == "02:00:00:00:00:01");
  CHECK(comment == "unchanged");
  const json wrapped = json::parse(R"({"elem": {"val": {"concat": ["br0", "10.0.0.2"]}, "comment": "c1/eth0"}})");
  REQUIRE(nat::element_concat(wrapped, &comment) != nullptr);
  CHECK((*nat::element_concat(wrapped))[0] == "br0");
  CHECK(comment == "c1/eth0");
  CHECK(nat::element_concat(json("nex-a")) == nullptr);
  CHECK(nat::element_concat(json::parse(R"({"elem": {"val": "nex-a", "comment": "x"}})")) == nullptr);
}

TEST_CASE("nft's error texts: EEXIST and ENOENT") {
  CHECK(nat::is_exists_error("Error: Could not process rule: File exists"));
  CHECK(nat::is_missing_error("Error: Could not process rule: No such file or directory"));
  CHECK_FALSE(nat::is_exists_error("Error: Could not process rule: No such file or directory"));
  CHECK_FALSE(nat::is_missing_error("Error: syntax error"));
}
