#pragma once
// The attachment cache in libcni's format and place (<cache>/results/<network>-<containerID>-<ifname>), so
// cnitool, containerd or CRI-O reading the same cache dir see what nexus attached, and nexus sees theirs.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nexus::runtime {

/// One cached attachment (libcni's cachedInfo, kind "cniCacheV1").
struct CachedAttachment {
  std::string network;
  std::string container_id;
  std::string ifname;
  std::string netns;
  std::string config;  ///< the conflist bytes (stored base64, as Go encodes []byte)
  std::vector<std::pair<std::string, std::string>> cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  nlohmann::json result;  ///< the final ADD result; null when none
};

/// libcni's on-disk cache of ADD results.
class ResultCache {
 public:
  /// `cache_dir` is libcni's CacheDir (default /var/lib/cni); files live under its results/ subdirectory.
  explicit ResultCache(std::string cache_dir) : dir_(std::move(cache_dir)) {}

  /// Writes atomically (temp file + rename), creating directories as needed.
  void save(const CachedAttachment& entry) const;
  /// nullopt when there is no entry or it cannot be parsed.
  std::optional<CachedAttachment> load(const std::string& network, const std::string& container_id,
                                       const std::string& ifname) const;
  /// Every entry that parses (whichever runtime wrote it), in file name order; temp files of interrupted saves
  /// and unparsable files are skipped.
  std::vector<CachedAttachment> list() const;
  /// Removes the entry (and the temp file of an interrupted save); idempotent.
  void remove(const std::string& network, const std::string& container_id, const std::string& ifname) const;
  /// The file of one attachment.
  std::string path(const std::string& network, const std::string& container_id, const std::string& ifname) const;

 private:
  std::string dir_;
};

/// Standard base64 (RFC 4648, padded), as Go's encoding/json writes []byte.
std::string base64_encode(const std::string& data);
/// Inverse of base64_encode; nullopt for malformed input.
std::optional<std::string> base64_decode(const std::string& text);

/// The cache JSON of one attachment, and back (nullopt when `doc` is not a cniCacheV1 entry).
nlohmann::json to_cache_json(const CachedAttachment& entry);
std::optional<CachedAttachment> from_cache_json(const nlohmann::json& doc);

}  // namespace nexus::runtime
