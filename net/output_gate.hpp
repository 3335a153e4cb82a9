// What every transport keeps per connection between the server's writes and the socket: the
// once ids already written (an event several rooms send is shown once) and the room fan-outs
// held back while the connection writes a join's own lines (hold_fan_out / release_fan_out).
// One implementation, so the TCP transport and the simulated network cannot drift apart. An idle
// connection's gate is one null pointer: the state exists only while it holds or remembers
// something (64 bytes less for each of thousands of idle clients). Once a connection has seen
// an event with a once id (a QUIT, NICK or AWAY) the state stays, to remember it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "net/payload.hpp"
#include "util/invariant.hpp"

namespace parley::net {

class output_gate {
public:
  /// Whether an event with this once id was passed already; remembers it if not (0: never).
  bool seen_once(std::uint64_t once) {
    if (once == 0)
      return false;
    auto& seen = state().once_seen;
    if (std::find(seen.begin(), seen.end(), once) != seen.end())
      return true;
    seen.push_back(once);
    if (seen.size() > once_memory)
      seen.erase(seen.begin());
    return false;
  }

  bool holding() const { return s_ && s_->holds > 0; }
  void add_hold() { ++state().holds; }
  /// Ends one hold; true when that was the last, so the held fan-outs may go (take_held).
  bool release() { return s_ && s_->holds > 0 && --s_->holds == 0; }
  /// Ends every hold (an orderly close sends what was held).
  void release_all() {
    if (s_)
      s_->holds = 0;
  }

  /// Keeps a fan-out back, in order, with its once id.
  void hold(const shared_text& data, std::uint64_t once) {
    // Held parts go out at the last release: one held without a hold would wait for ever.
    PARLEY_INVARIANT(holding(), "a fan-out is held only while a hold is on");
    auto& st = state();
    st.held.emplace_back(data, once);
    st.held_bytes += data.size();
  }
  /// Bytes held back: they count against the connection's output bound.
  std::uint64_t held_bytes() const { return s_ ? s_->held_bytes : 0; }

  /// The held fan-outs, oldest first, that were not written already (once ids are checked
  /// now); the gate holds nothing afterwards.
  std::vector<shared_text> take_held() {
    std::vector<shared_text> out;
    if (!s_)
      return out;
    PARLEY_INVARIANT(s_->holds == 0, "held fan-outs go out only once the last hold has ended");
    auto held = std::move(s_->held);
    out.reserve(held.size());
    std::uint64_t bytes = 0; // checked here, where the held parts are walked anyway
    for (auto& [data, once] : held) {
      bytes += data.size();
      if (!seen_once(once))
        out.push_back(std::move(data));
    }
    PARLEY_INVARIANT(bytes == s_->held_bytes, "held_bytes is the sum of the held parts' sizes");
    drop_held();
    return out;
  }

  /// Forgets what is held (the connection is dropped with it).
  void drop_held() {
    if (!s_)
      return;
    s_->held.clear();
    s_->held.shrink_to_fit();
    s_->held_bytes = 0;
    if (s_->holds == 0 && s_->once_seen.empty())
      s_.reset();
  }

private:
  /// An event reaches a client within a few writes, so a short memory is enough.
  static constexpr std::size_t once_memory = 64;

  struct gate_state {
    std::vector<std::uint64_t> once_seen;
    std::uint32_t holds = 0; ///< hold_fan_out minus release_fan_out
    std::vector<std::pair<shared_text, std::uint64_t>> held;
    std::uint64_t held_bytes = 0;
  };
  gate_state& state() {
    if (!s_)
      s_ = std::make_unique<gate_state>();
    return *s_;
  }

  std::unique_ptr<gate_state> s_; ///< null while there is nothing to hold or remember
};

} // namespace parley::net
