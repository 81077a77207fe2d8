#include "shared/ipam/lease_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/cni/validate.h"
#include "shared/ipam/safe_fs.h"

namespace nexus::ipam {
namespace {

void (*g_fault_hook)(const char*) = nullptr;
bool g_named_temps = false;

constexpr const char* kLastReservedPrefix = "last_reserved_ip.";

std::string lease_content(const Attachment& who) { return who.container_id + "\r\n" + who.ifname; }

// Go's strings.TrimSpace for the ASCII whitespace host-local can write.
std::string_view trim(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// "<id>\r\n<ifname>" (current host-local) or "<id>" (older host-local, ifname unknown).
std::optional<Attachment> parse_lease(std::string_view content) {
  content = trim(content);
  const auto sep = content.find("\r\n");
  Attachment who{std::string(content.substr(0, sep)), sep == std::string_view::npos ? "" : std::string(content.substr(sep + 2))};
  if (who.container_id.empty()) return std::nullopt;
  return who;
}

// cni::is_valid_ifname lets other control bytes and DEL through; they have no place in a lease file's text.
bool is_control_byte(unsigned char c) { return c < ' ' || c == 0x7f; }

}  // namespace

namespace testing {
void set_fault_hook(void (*hook)(const char* step)) { g_fault_hook = hook; }
void force_named_temps(bool on) { g_named_temps = on; }
}  // namespace testing

namespace detail {
void fault_point(const char* step) {
  if (g_fault_hook) g_fault_hook(step);
}
bool named_temps_forced() { return g_named_temps; }
}  // namespace detail

void validate_attachment(const Attachment& a) {
  // The CNI rules (what plugin_main already enforced on a plugin's request), then the store's own limits.
  cni::validate_container_id(a.container_id);
  cni::validate_ifname(a.ifname);
  if (!is_safe_name(a.container_id))
    throw Error(Code::InvalidEnv, "invalid CNI_CONTAINERID \"" + a.container_id + "\": too long for a file name");
  for (unsigned char c : a.ifname)
    if (is_control_byte(c)) throw Error(Code::InvalidEnv, "invalid CNI_IFNAME: control character");
}

LeaseStore::LeaseStore(UniqueFd dir, UniqueFd nexus, UniqueFd idx, UniqueFd tmp, UniqueFd spare, UniqueFd lock)
    : dir_(std::move(dir)), nexus_(std::move(nexus)), idx_(std::move(idx)), tmp_(std::move(tmp)),
      spare_(std::move(spare)), lock_fd_(std::move(lock)) {}

LeaseStore LeaseStore::open(const std::string& data_dir, const std::string& network) {
  return *open_impl(data_dir, network, true);
}

std::optional<LeaseStore> LeaseStore::find(const std::string& data_dir, const std::string& network) {
  return open_impl(data_dir, network, false);
}

// Shared by open() and find(): the data dir and network dir are opened one component at a time without
// following a symlink in their last component; everything after that is relative to the network dir fd.
std::optional<LeaseStore> LeaseStore::open_impl(const std::string& data_dir, const std::string& network,
                                                bool create) {
  if (!is_safe_name(network))
    throw Error(Code::InvalidConfig,
                "invalid name \"" + network + "\": must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
  UniqueFd data = open_data_dir(data_dir, create);
  if (!data) return std::nullopt;
  UniqueFd dir = open_subdir(data.get(), network, create);
  if (!dir) return std::nullopt;
  UniqueFd nexus = open_subdir(dir.get(), ".nexus", true);
  UniqueFd idx = open_subdir(nexus.get(), "idx", true);
  UniqueFd tmp = open_subdir(nexus.get(), "tmp", true);
  UniqueFd spare = open_subdir(nexus.get(), "blank", true);
  UniqueFd lock = FileLock::open_lock_file(dir.get(), "lock");
  return LeaseStore(std::move(dir), std::move(nexus), std::move(idx), std::move(tmp), std::move(spare),
                    std::move(lock));
}

FileLock LeaseStore::lock() {
  FileLock held(lock_fd_.get(), lock_timeout_);
  remove_stale_temps();
  remove_legacy_spares();
  // After a reclaim the index still names the removed leases: rebuild it, whatever the marker says.
  if (reclaim_earlier_boots() || !index_is_current()) {
    rebuild_index(scan());
    mark_index_current();
  }
  return held;
}

// Under the lock no temp is in use, so whatever is left was abandoned by a killed process.
void LeaseStore::remove_stale_temps() {
  for (const std::string& name : list_dir(tmp_.get())) retire(tmp_.get(), name);
}

std::string LeaseStore::new_temp_name() {
  return "t." + std::to_string(::getpid()) + "." + std::to_string(temp_seq_++);
}

bool LeaseStore::is_leased(const IpAddress& a) const { return exists_at(dir_.get(), a.to_string()); }

std::optional<Attachment> LeaseStore::holder(const IpAddress& a) const {
  const auto content = read_file_at(dir_.get(), a.to_string(), 1024);
  return content ? parse_lease(*content) : std::nullopt;
}

// The lease appears with its full content or not at all: the content goes to a file no lease name points
// at (a recycled inode, an anonymous O_TMPFILE or a named temp) and link() publishes it, failing with
// EEXIST if the address is taken (atomic, unlike rename which would replace).
bool LeaseStore::create_lease(const IpAddress& a, const Attachment& who) {
  const std::string name = a.to_string(), content = lease_content(who);
  if (std::optional<bool> linked = link_spare(content, name)) return *linked;
  if (std::optional<bool> linked = link_anonymous(content, name)) return *linked;
  return link_named_temp(content, name);
}

std::optional<bool> LeaseStore::link_spare(std::string_view content, const std::string& name) {
  std::string temp;
  const UniqueFd fd = take_spare(temp);
  if (!fd) return std::nullopt;
  overwrite(fd.get(), content, name);
  detail::fault_point("lease temp written");
  if (::linkat(tmp_.get(), temp.c_str(), dir_.get(), name.c_str(), 0) != 0) {
    const int err = errno;
    retire(tmp_.get(), temp);
    if (err == EEXIST) return false;
    throw sys_error("create lease '" + name + "'", err);
  }
  detail::fault_point("lease linked");
  remove_at(tmp_.get(), temp);  // the inode lives on under the lease name
  return true;
}

bool LeaseStore::link_named_temp(std::string_view content, const std::string& name) {
  const std::string temp = new_temp_name();
  write_new_file_at(tmp_.get(), temp, content);
  detail::fault_point("lease temp written");
  if (::linkat(tmp_.get(), temp.c_str(), dir_.get(), name.c_str(), 0) != 0) {
    const int err = errno;
    remove_at(tmp_.get(), temp);
    if (err == EEXIST) return false;
    throw sys_error("create lease '" + name + "'", err);
  }
  detail::fault_point("lease linked");
  remove_at(tmp_.get(), temp);
  return true;
}

// nullopt: O_TMPFILE unsupported here, use a named temp. A killed process leaves no trace: the inode
// vanishes with its last fd. Linking by /proc/self/fd needs no CAP_DAC_READ_SEARCH (AT_EMPTY_PATH would).
std::optional<bool> LeaseStore::link_anonymous(std::string_view content, const std::string& name) {
  if (!anonymous_temps_ || detail::named_temps_forced()) return std::nullopt;
  UniqueFd fd(::openat(tmp_.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) throw sys_error("create lease temp", errno);
    anonymous_temps_ = false;
    return std::nullopt;
  }
  write_all(fd.get(), content, name);
  detail::fault_point("lease temp written");
  const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, proc.c_str(), dir_.get(), name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
    detail::fault_point("lease linked");
    return true;
  }
  if (errno == EEXIST) return false;
  if (errno != ENOENT) throw sys_error("create lease '" + name + "'", errno);
  anonymous_temps_ = false;  // no /proc mounted
  return std::nullopt;
}

void LeaseStore::remove_lease(const IpAddress& a) { retire(dir_.get(), a.to_string()); }

std::optional<IpAddress> LeaseStore::last_reserved(std::size_t set) const {
  const auto content = read_file_at(dir_.get(), kLastReservedPrefix + std::to_string(set), 64);
  return content ? IpAddress::parse(trim(*content)) : std::nullopt;
}

// Written in place, as host-local does: a torn write only costs round robin its starting point once, and
// an in-place write leaves the directory's mtime (our index marker) alone. overwrite() rather than O_TRUNC
// keeps the data block instead of freeing and reallocating it.
void LeaseStore::set_last_reserved(std::size_t set, const IpAddress& a) {
  const std::string name = kLastReservedPrefix + std::to_string(set);
  UniqueFd fd(::openat(dir_.get(), name.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw sys_error("write '" + name + "'", errno);
  overwrite(fd.get(), a.to_string(), name);
}

}  // namespace nexus::ipam
