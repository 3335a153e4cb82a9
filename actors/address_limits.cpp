// Per-address connection limits (see address_limits.hpp).
#include "actors/address_limits.hpp"

#include <algorithm>
#include <chrono>

#include "util/invariant.hpp"

namespace parley {

std::string peer_address(std::string_view peer) {
  std::string_view addr = peer;
  if (!peer.empty() && peer.front() == '[') { // "[v6]:port"
    auto close = peer.find(']');
    addr = close == std::string_view::npos ? peer.substr(1) : peer.substr(1, close - 1);
  } else if (auto colon = peer.rfind(':'); colon != std::string_view::npos) {
    addr = peer.substr(0, colon);
  }
  constexpr std::string_view mapped = "::ffff:";
  if (addr.size() > mapped.size() && addr.substr(0, mapped.size()) == mapped &&
      addr.find('.') != std::string_view::npos)
    addr.remove_prefix(mapped.size());
  return std::string{addr};
}

address_limits::address_limits(address_limits_config cfg)
  : cfg_(cfg), interval_(std::chrono::milliseconds{cfg.connect_interval_ms}) {}

address_verdict address_limits::admit(const std::string& address, time_point now) {
  forget_due(now);
  auto i = entries_.find(address);
  bool fresh = i == entries_.end();
  if (fresh)
    i = entries_.emplace(address, entry{0, now}).first;
  else if (i->second.open == 0)
    idle_.erase({i->second.due, i->first});
  auto& e = i->second;
  address_verdict v;
  if (cfg_.limits_count() && e.open >= cfg_.max_connections) {
    ++counts_.refused_count;
    v = {false, "too many connections from your address (" + std::to_string(cfg_.max_connections) +
                  "); try again later"};
  } else if (cfg_.limits_rate()) {
    auto ahead = std::max(e.due, now) - now;
    auto allowed = interval_ * (cfg_.connect_burst - 1);
    if (ahead > allowed) {
      ++counts_.refused_rate;
      auto wait = std::chrono::ceil<std::chrono::seconds>(ahead - allowed).count();
      v = {false, "too many new connections from your address; try again in " +
                    std::to_string(std::max<long long>(wait, 1)) + " s"};
    }
  }
  if (!v.admitted) {
    if (e.open == 0)
      make_idle(i, now);
    return v;
  }
  if (cfg_.limits_rate())
    e.due = std::max(e.due, now) + interval_;
  ++e.open;
  return v;
}

void address_limits::release(const std::string& address, time_point now) {
  auto i = entries_.find(address);
  PARLEY_INVARIANT(i != entries_.end() && i->second.open > 0,
                   "a connection released by its address was admitted and counted");
  if (i == entries_.end() || i->second.open == 0)
    return;
  if (--i->second.open == 0)
    make_idle(i, now);
  forget_due(now);
}

address_limits_stats address_limits::stats() const {
  auto s = counts_;
  s.tracked = entries_.size();
  s.idle = idle_.size();
  return s;
}

// Addresses without open connections whose time has passed are as good as new: forgotten.
void address_limits::forget_due(time_point now) {
  while (!idle_.empty() && idle_.begin()->first <= now) {
    auto i = entries_.find(idle_.begin()->second);
    PARLEY_INVARIANT(i != entries_.end() && i->second.open == 0,
                     "an idle address is kept, without open connections");
    idle_.erase(idle_.begin());
    entries_.erase(i);
  }
}

// The last connection of an address has ended (or its only attempt was refused).
void address_limits::make_idle(entries::iterator i, time_point now) {
  if (i->second.due <= now)
    entries_.erase(i);
  else
    insert_idle(i);
}

void address_limits::insert_idle(entries::iterator i) {
  // The view names the map's own key, which stays put as long as the entry does.
  bool added = idle_.emplace(i->second.due, std::string_view{i->first}).second;
  PARLEY_INVARIANT(added, "an address is listed as idle once");
  forget_beyond_cap();
}

// Beyond the cap, the idle addresses whose time passes first are forgotten first: they would
// have been soonest anyway. Addresses with open connections stay (the connection limits bound
// them).
void address_limits::forget_beyond_cap() {
  while (idle_.size() > cfg_.max_tracked_addresses) {
    auto i = entries_.find(idle_.begin()->second);
    idle_.erase(idle_.begin());
    if (i != entries_.end())
      entries_.erase(i);
    ++counts_.forgotten_early;
  }
}

} // namespace parley
