// Virtual time and the simulator's agenda: everything outside the actors (packets in flight,
// client actions, injected faults) is an event at a virtual time. Events at the same time run
// in the order they were scheduled, so a run depends on nothing but its seed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace parley::sim {

/// Virtual time since the start of a run.
using vtime = std::chrono::nanoseconds;

class agenda {
public:
  void at(vtime t, std::function<void()> f) { events_.emplace(std::make_pair(t, seq_++), std::move(f)); }

  std::optional<vtime> next_time() const {
    if (events_.empty())
      return std::nullopt;
    return events_.begin()->first.first;
  }

  /// Runs every event due at or before `now`, including ones those events schedule for `now`.
  std::size_t run_due(vtime now) {
    std::size_t n = 0;
    while (!events_.empty() && events_.begin()->first.first <= now) {
      auto f = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      f();
      ++n;
    }
    return n;
  }

  bool empty() const { return events_.empty(); }

private:
  std::map<std::pair<vtime, std::uint64_t>, std::function<void()>> events_;
  std::uint64_t seq_ = 0;
};

/// Parses "250ms", "10s", "10m", "1h" or a bare number of seconds; nothing if malformed,
/// negative, not finite or longer than virtual time holds (about 285 years).
std::optional<vtime> parse_duration(const std::string& text);

/// "12.345s"
std::string format_vtime(vtime t);

} // namespace parley::sim
