// The (containerID, ifname) -> addresses index of LeaseStore; see lease_store.h for its rules.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/ipam/lease_store.h"
#include "shared/ipam/safe_fs.h"

namespace nexus::ipam {
namespace {

// The header has spaces, which no container ID may contain, so host-local never mistakes it for a lease.
constexpr std::string_view kIndexHeader = "# nexus-ipam index v1\n";
// Nanoseconds of the marker mtime; see lease_store.h.
constexpr long kIndexMarkerNsec = 987654321;

// "<containerID>@<hex ifname>": container IDs are safe names (no '@'), hex keeps any ifname byte safe.
std::string index_name(const Attachment& who) {
  static const char* digits = "0123456789abcdef";
  std::string name = who.container_id + "@";
  for (unsigned char c : who.ifname) {
    name += digits[c >> 4];
    name += digits[c & 15];
  }
  return name;
}

std::vector<IpAddress> parse_index(std::string_view content) {
  std::vector<IpAddress> out;
  if (content.substr(0, kIndexHeader.size()) != kIndexHeader) return out;
  content.remove_prefix(kIndexHeader.size());
  while (!content.empty()) {
    const auto nl = content.find('\n');
    if (auto a = IpAddress::parse(content.substr(0, nl))) out.push_back(*a);
    if (nl == std::string_view::npos) break;
    content.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

std::vector<IpAddress> LeaseStore::indexed(const Attachment& who) const {
  const auto content = read_file_at(idx_.get(), index_name(who), 1 << 16);
  return content ? parse_index(*content) : std::vector<IpAddress>{};
}

void LeaseStore::set_indexed(const Attachment& who, const std::vector<IpAddress>& addresses) {
  const std::string name = index_name(who);
  if (addresses.empty()) return retire(idx_.get(), name);
  std::string content(kIndexHeader);
  for (const IpAddress& a : addresses) content += a.to_string() + "\n";
  write_index_file(name, content);
  detail::fault_point("index written");
}

// Replacing an entry must be atomic (the old one may name live leases): build it under a temp name, then
// rename. RENAME_EXCHANGE keeps the old inode for the spare pool. A first entry may be written in place:
// until it is complete, no lease exists that it must name.
void LeaseStore::write_index_file(const std::string& name, const std::string& content) {
  std::string temp;
  UniqueFd fd = take_spare(temp);
  const bool exists = exists_at(idx_.get(), name);
  if (!fd && !exists) return write_new_file_at(idx_.get(), name, content);
  if (fd) {
    overwrite(fd.get(), content, name);
  } else {
    temp = new_temp_name();
    write_new_file_at(tmp_.get(), temp, content);
  }
  detail::fault_point("index temp written");
  if (exists && ::renameat2(tmp_.get(), temp.c_str(), idx_.get(), name.c_str(), RENAME_EXCHANGE) == 0)
    return retire(tmp_.get(), temp);
  if (::renameat(tmp_.get(), temp.c_str(), idx_.get(), name.c_str()) != 0) {
    const int err = errno;
    remove_at(tmp_.get(), temp);
    throw sys_error("write index '" + name + "'", err);
  }
}

// Only names that are canonical address text are leases (host-local names them so); "lock",
// "last_reserved_ip.N", ".nexus" and anything else are skipped.
std::map<IpAddress, Attachment> LeaseStore::scan() const {
  std::map<IpAddress, Attachment> leases;
  for (const std::string& name : list_dir(dir_.get())) {
    const auto a = IpAddress::parse(name);
    if (!a || a->to_string() != name) continue;
    if (auto who = holder(*a)) leases.emplace(*a, std::move(*who));
  }
  return leases;
}

void LeaseStore::rebuild_index(const std::map<IpAddress, Attachment>& leases) {
  for (const std::string& name : list_dir(idx_.get())) retire(idx_.get(), name);
  std::map<Attachment, std::vector<IpAddress>> by_holder;
  for (const auto& [address, who] : leases) by_holder[who].push_back(address);
  for (const auto& [who, addresses] : by_holder) {
    if (is_safe_name(who.container_id)) set_indexed(who, addresses);  // foreign junk IDs stay unindexed
  }
}

bool LeaseStore::index_is_current() const {
  struct stat st {};
  if (::fstat(dir_.get(), &st) != 0) throw sys_error("stat the lease directory", errno);
  return st.st_mtim.tv_nsec == kIndexMarkerNsec;
}

void LeaseStore::mark_index_current() {
  timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const timespec times[2] = {{0, UTIME_OMIT}, {now.tv_sec, kIndexMarkerNsec}};
  if (::futimens(dir_.get(), times) != 0) throw sys_error("mark the lease index current", errno);
}

}  // namespace nexus::ipam
