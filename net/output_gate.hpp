// What every transport keeps per connection between the server's writes and the socket: the
// once ids already written (an event several rooms send is shown once) and the room fan-outs
// held back while the connection writes a join's own lines (hold_fan_out / release_fan_out).
// One implementation, so the TCP transport and the simulated network cannot drift apart.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "net/payload.hpp"

namespace parley::net {

class output_gate {
public:
  /// Whether an event with this once id was passed already; remembers it if not (0: never).
  bool seen_once(std::uint64_t once) {
    if (once == 0)
      return false;
    if (std::find(once_seen_.begin(), once_seen_.end(), once) != once_seen_.end())
      return true;
    once_seen_.push_back(once);
    if (once_seen_.size() > once_memory)
      once_seen_.erase(once_seen_.begin());
    return false;
  }

  bool holding() const { return holds_ > 0; }
  void add_hold() { ++holds_; }
  /// Ends one hold; true when that was the last, so the held fan-outs may go (take_held).
  bool release() { return holds_ > 0 && --holds_ == 0; }
  /// Ends every hold (an orderly close sends what was held).
  void release_all() { holds_ = 0; }

  /// Keeps a fan-out back, in order, with its once id.
  void hold(const shared_text& data, std::uint64_t once) {
    held_.emplace_back(data, once);
    held_bytes_ += data.size();
  }
  /// Bytes held back: they count against the connection's output bound.
  std::uint64_t held_bytes() const { return held_bytes_; }

  /// The held fan-outs, oldest first, that were not written already (once ids are checked
  /// now); the gate holds nothing afterwards.
  std::vector<shared_text> take_held() {
    std::vector<shared_text> out;
    out.reserve(held_.size());
    for (auto& [data, once] : held_)
      if (!seen_once(once))
        out.push_back(std::move(data));
    drop_held();
    return out;
  }

  /// Forgets what is held (the connection is dropped with it).
  void drop_held() {
    held_.clear();
    held_.shrink_to_fit();
    held_bytes_ = 0;
  }

private:
  /// An event reaches a client within a few writes, so a short memory is enough.
  static constexpr std::size_t once_memory = 64;

  std::vector<std::uint64_t> once_seen_; ///< a vector: empty costs nothing
  std::uint32_t holds_ = 0;              ///< hold_fan_out minus release_fan_out
  std::vector<std::pair<shared_text, std::uint64_t>> held_;
  std::uint64_t held_bytes_ = 0;
};

} // namespace parley::net
