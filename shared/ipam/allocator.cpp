#include "shared/ipam/allocator.h"

#include <algorithm>
#include <set>

#include "shared/base/error.h"
#include "shared/util/undo.h"

namespace nexus::ipam {
namespace {


// A position in a range set: which range, which address.
struct Cursor {
  std::size_t range;
  IpAddress at;
  bool operator==(const Cursor&) const = default;
};

Cursor advance(const RangeSet& set, Cursor c) {
  if (c.at == set[c.range].end) {
    c.range = (c.range + 1) % set.size();
    return {c.range, set[c.range].start};
  }
  return {c.range, *c.at.next()};
}

// host-local's order: the address after last_reserved_ip.<n> when that is still in the set, else the
// first start. A crash-looping container thus sees a fresh address each time.
Cursor first_candidate(const LeaseStore& store, const RangeSet& set, std::size_t set_index) {
  if (const auto last = store.last_reserved(set_index)) {
    for (std::size_t r = 0; r < set.size(); ++r) {
      if (set[r].contains(*last)) return advance(set, {r, *last});
    }
  }
  return {0, set[0].start};
}

// One stat per candidate: cost depends on how many leases sit after the cursor, not on the total.
std::optional<IpAddress> find_free(const LeaseStore& store, const RangeSet& set, std::size_t set_index) {
  const Cursor first = first_candidate(store, set, set_index);
  Cursor c = first;
  do {
    if (set[c.range].is_allocatable(c.at) && !store.is_leased(c.at)) return c.at;
    c = advance(set, c);
  } while (!(c == first));
  return std::nullopt;
}

std::vector<IpAddress> verified(const LeaseStore& store, const Attachment& who) {
  std::vector<IpAddress> out;
  for (const IpAddress& a : store.indexed(who)) {
    if (store.holder(a) == who) out.push_back(a);
  }
  return out;
}

std::string set_name(const std::vector<RangeSet>& sets, std::size_t i) {
  return "range set " + std::to_string(i) + " (" + to_string(sets[i]) + ")";
}

std::size_t set_of_request(const std::vector<RangeSet>& sets, const IpAddress& r) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const Range* range = find_range(sets[i], r);
    if (!range) continue;
    if (!range->is_allocatable(r))
      throw Error(Code::InvalidConfig, "invalid requested IP address \"" + r.to_string() +
                                           "\": gateway, network or broadcast address of " + set_name(sets, i));
    return i;
  }
  throw Error(Code::InvalidConfig, "invalid requested IP address \"" + r.to_string() + "\": not in any range set");
}

// Requested addresses, placed in their sets. `held` addresses are the attachment's own (idempotent ADD).
void place_requests(const LeaseStore& store, const std::vector<RangeSet>& sets, const std::vector<IpAddress>& held,
                    const std::vector<IpAddress>& requested, std::vector<std::optional<IpAddress>>& plan) {
  for (const IpAddress& r : requested) {
    const std::size_t i = set_of_request(sets, r);
    if (plan[i])
      throw Error(Code::InvalidConfig, "invalid requested IP address \"" + r.to_string() + "\": " +
                                           plan[i]->to_string() + " is requested from the same " + set_name(sets, i));
    const bool own = std::find(held.begin(), held.end(), r) != held.end();
    if (!own && store.is_leased(r))
      throw Error(Code::InvalidConfig, "invalid requested IP address \"" + r.to_string() + "\": already in use");
    for (const IpAddress& h : held) {
      if (h != r && find_range(sets[i], h))
        throw Error(Code::InvalidConfig, "invalid requested IP address \"" + r.to_string() +
                                             "\": the container already holds " + h.to_string() + " in " +
                                             set_name(sets, i));
    }
    plan[i] = r;
  }
}

void place_held(const std::vector<RangeSet>& sets, const std::vector<IpAddress>& held,
                std::vector<std::optional<IpAddress>>& plan) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (const IpAddress& h : held) {
      if (!plan[i] && find_range(sets[i], h)) plan[i] = h;
    }
  }
}

void place_free(const LeaseStore& store, const std::vector<RangeSet>& sets,
                std::vector<std::optional<IpAddress>>& plan) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (plan[i]) continue;
    plan[i] = find_free(store, sets[i], i);
    if (!plan[i]) throw Error(Code::TryAgainLater, "no free addresses in " + set_name(sets, i));
  }
}

// Write-ahead: the index lists the new addresses before their lease files exist, so a crash at any
// point leaves every lease findable by release(). On failure the leases made here are removed again.
void commit_plan(LeaseStore& store, const Attachment& who, const std::vector<IpAddress>& held,
                 const std::vector<std::optional<IpAddress>>& plan) {
  std::vector<std::pair<std::size_t, IpAddress>> fresh;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (std::find(held.begin(), held.end(), *plan[i]) == held.end()) fresh.emplace_back(i, *plan[i]);
  }
  if (fresh.empty()) return;
  std::vector<IpAddress> index = held;
  for (const auto& f : fresh) index.push_back(f.second);
  Undo undo;
  store.set_indexed(who, index);
  undo.push("restore index", [&] { store.set_indexed(who, held); });
  for (const auto& [set, address] : fresh) {
    if (!store.create_lease(address, who))
      throw Error(Code::TryAgainLater, address.to_string() + " was leased by a process ignoring the lock");
    undo.push("remove lease", [&store, a = address] { store.remove_lease(a); });
  }
  for (const auto& [set, address] : fresh) store.set_last_reserved(set, address);
  undo.commit();
  store.mark_index_current();
}

}  // namespace

std::vector<IpAddress> allocate(LeaseStore& store, const std::vector<RangeSet>& sets, const Attachment& who,
                                const std::vector<IpAddress>& requested) {
  validate_attachment(who);
  const FileLock lock = store.lock();
  const std::vector<IpAddress> held = verified(store, who);
  std::vector<std::optional<IpAddress>> plan(sets.size());
  place_requests(store, sets, held, requested, plan);
  place_held(sets, held, plan);
  place_free(store, sets, plan);
  commit_plan(store, who, held, plan);
  std::vector<IpAddress> out;
  for (const auto& p : plan) out.push_back(*p);
  return out;
}

void release(LeaseStore& store, const Attachment& who) {
  validate_attachment(who);
  const FileLock lock = store.lock();
  bool changed = false;
  for (const IpAddress& a : verified(store, who)) {
    store.remove_lease(a);
    detail::fault_point("lease removed");
    changed = true;
  }
  // host-local's fallback: leases of its old format name only the container.
  const Attachment old_format{who.container_id, ""};
  if (!changed) {
    for (const IpAddress& a : verified(store, old_format)) {
      store.remove_lease(a);
      changed = true;
    }
    store.set_indexed(old_format, {});
  }
  store.set_indexed(who, {});
  if (changed) store.mark_index_current();
}

std::vector<IpAddress> held_by(LeaseStore& store, const Attachment& who) {
  validate_attachment(who);
  const FileLock lock = store.lock();
  std::vector<IpAddress> out = verified(store, who);
  for (const IpAddress& a : verified(store, {who.container_id, ""})) out.push_back(a);
  return out;
}

void gc(LeaseStore& store, const std::vector<Attachment>& valid) {
  const FileLock lock = store.lock();
  const std::set<Attachment> keep(valid.begin(), valid.end());
  std::set<std::string> keep_ids;
  for (const Attachment& a : valid) keep_ids.insert(a.container_id);
  std::map<IpAddress, Attachment> leases = store.scan();
  for (auto it = leases.begin(); it != leases.end();) {
    const Attachment& who = it->second;
    const bool valid_lease = who.ifname.empty() ? keep_ids.count(who.container_id) > 0 : keep.count(who) > 0;
    if (valid_lease) {
      ++it;
      continue;
    }
    store.remove_lease(it->first);
    detail::fault_point("gc lease removed");
    it = leases.erase(it);
  }
  store.rebuild_index(leases);
  store.mark_index_current();
}

std::vector<bool> sets_with_free_address(const LeaseStore& store, const std::vector<RangeSet>& sets) {
  std::vector<bool> out;
  for (std::size_t i = 0; i < sets.size(); ++i) out.push_back(find_free(store, sets[i], i).has_value());
  return out;
}

bool has_free_address(const LeaseStore& store, const std::vector<RangeSet>& sets) {
  const std::vector<bool> per_set = sets_with_free_address(store, sets);
  return std::all_of(per_set.begin(), per_set.end(), [](bool b) { return b; });
}

}  // namespace nexus::ipam
