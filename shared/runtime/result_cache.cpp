#include "shared/runtime/result_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kKind = "cniCacheV1";

void write_all(int fd, const std::string& data, const std::string& what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("write " + what, errno);
    done += static_cast<size_t>(n);
  }
}
}  // namespace

std::string base64_encode(const std::string& data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 | (unsigned char)data[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < data.size()) {
    unsigned v = (unsigned char)data[i] << 16;
    if (i + 1 < data.size()) v |= (unsigned char)data[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const char* pos = std::strchr(kAlphabet, c);
    if (pos == nullptr || c == '\0') return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(pos - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

json to_cache_json(const CachedAttachment& entry) {
  json doc = {{"kind", kKind},
              {"containerId", entry.container_id},
              {"config", base64_encode(entry.config)},
              {"ifName", entry.ifname},
              {"networkName", entry.network}};
  if (!entry.netns.empty()) doc["netns"] = entry.netns;
  if (!entry.cni_args.empty()) {
    json args = json::array();
    for (const auto& [k, v] : entry.cni_args) args.push_back(json::array({k, v}));
    doc["cniArgs"] = args;
  }
  if (entry.capability_args.is_object() && !entry.capability_args.empty())
    doc["capabilityArgs"] = entry.capability_args;
  if (!entry.result.is_null()) doc["result"] = entry.result;
  return doc;
}

std::optional<CachedAttachment> from_cache_json(const json& doc) {
  if (!doc.is_object() || doc.value("kind", "") != kKind) return std::nullopt;
  CachedAttachment entry;
  entry.container_id = doc.value("containerId", "");
  entry.ifname = doc.value("ifName", "");
  entry.network = doc.value("networkName", "");
  entry.netns = doc.value("netns", "");
  if (auto config = base64_decode(doc.value("config", ""))) entry.config = *config;
  if (doc.contains("cniArgs") && doc["cniArgs"].is_array()) {
    for (const json& pair : doc["cniArgs"]) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
        entry.cni_args.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  if (doc.contains("capabilityArgs")) entry.capability_args = doc["capabilityArgs"];
  if (doc.contains("result")) entry.result = doc["result"];
  return entry;
}

std::string ResultCache::path(const std::string& network, const std::string& container_id,
                              const std::string& ifname) const {
  return dir_ + "/results/" + network + "-" + container_id + "-" + ifname;
}

void ResultCache::save(const CachedAttachment& entry) const {
  const std::string target = path(entry.network, entry.container_id, entry.ifname);
  std::error_code ec;
  fs::create_directories(dir_ + "/results", ec);
  if (ec) throw sys_error("create " + dir_ + "/results", ec.value());
  const std::string tmp = target + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) throw sys_error("create " + tmp, errno);
  write_all(fd.get(), to_cache_json(entry).dump(), tmp);
  if (::fsync(fd.get()) != 0) throw sys_error("sync " + tmp, errno);
  if (::rename(tmp.c_str(), target.c_str()) != 0) throw sys_error("rename " + tmp, errno);
}

std::optional<CachedAttachment> ResultCache::load(const std::string& network, const std::string& container_id,
                                                  const std::string& ifname) const {
  std::ifstream in(path(network, container_id, ifname));
  if (!in) return std::nullopt;
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return from_cache_json(doc);
}

std::vector<CachedAttachment> ResultCache::list() const {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/results", ec))
    if (entry.is_regular_file(ec) && entry.path().extension() != ".tmp") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  std::vector<CachedAttachment> out;
  for (const std::string& file : files) {
    std::ifstream in(file);
    const json doc = json::parse(in, nullptr, false);
    if (auto entry = from_cache_json(doc)) out.push_back(std::move(*entry));
  }
  return out;
}

void ResultCache::remove(const std::string& network, const std::string& container_id,
                         const std::string& ifname) const {
  const std::string file = path(network, container_id, ifname);
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) throw sys_error("remove " + file, errno);
  // A runtime killed inside save() leaves its temp file behind.
  ::unlink((file + ".tmp").c_str());
}

}  // namespace nexus::runtime
