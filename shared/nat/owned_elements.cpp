#include "shared/nat/owned_elements.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "shared/base/error.h"
#include "shared/util/fnv1a.h"

namespace nexus::nat {
namespace {

// JSON output for a scope: list commands are parsed, everything else keeps nft's text errors.
class JsonOutput {
 public:
  explicit JsonOutput(Nft& nft) : nft_(nft) { nft_.set_json(true); }
  ~JsonOutput() { nft_.set_json(false); }
  JsonOutput(const JsonOutput&) = delete;
  JsonOutput& operator=(const JsonOutput&) = delete;

 private:
  Nft& nft_;
};

}  // namespace

OwnerToken OwnerToken::of(std::string_view key) {
  const uint64_t h = fnv1a(key);
  return {static_cast<uint32_t>(h >> 32), static_cast<uint32_t>(h)};
}

std::string OwnerToken::text() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%08x . 0x%08x", hi, lo);
  return buf;
}

bool is_exists_error(const std::string& error) { return error.find("File exists") != std::string::npos; }
bool is_missing_error(const std::string& error) { return error.find("No such file") != std::string::npos; }

void fail_transaction(const std::string& what, const std::string& error) {
  throw Error(Code::Internal, what + ": nftables transaction failed: " + error.substr(0, error.find('\n')),
              error);
}

// Objects are created once, by whichever process gets there first, and never rewritten: deleting or flushing
// rules makes the kernel wait for an RCU grace period (tens of ms) in this or the next transaction.
// `add table/map/set` is idempotent by itself; a chain and its rules go in one `create chain` transaction, so
// exactly one racing process creates them and the others see EEXIST, which means "done by someone else".
bool create_once(Nft& nft, const std::string& commands, const std::string& what) {
  std::string error;
  if (nft.try_run(commands, &error) || is_exists_error(error)) return true;
  if (is_missing_error(error)) return false;
  fail_transaction(what, error);
}

bool is_nft_safe(const std::string& text) {
  return !text.empty() && text.size() <= 120 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_.-/:@+").find(c) != std::string_view::npos;
  });
}

const nlohmann::json* element_concat(const nlohmann::json& key, std::string* comment) {
  const nlohmann::json* val = &key;
  if (key.is_object() && key.contains("elem")) {
    if (comment != nullptr) *comment = key["elem"].value("comment", "");
    val = &key["elem"]["val"];
  }
  if (!val->is_object() || !val->contains("concat") || !(*val)["concat"].is_array()) return nullptr;
  return &(*val)["concat"];
}

nlohmann::json list_table(Nft& nft, const std::string& table, const std::string& what) {
  const JsonOutput json(nft);
  // The whole (small) table in one run: libnftables fetches its cache once per run, and two list commands in
  // one run do not work (the cache is filtered for the last one).
  std::string output, error;
  if (!nft.try_run("list table " + table, &error, &output)) return nlohmann::json::array();  // no table yet
  try {
    return nlohmann::json::parse(output).value("nftables", nlohmann::json::array());
  } catch (const nlohmann::json::exception& e) {
    throw Error(Code::Internal, "parse nft output for " + what + ": " + e.what());
  }
}

}  // namespace nexus::nat
