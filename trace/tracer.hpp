// The trace recorder: one JSON Lines file of every message between actors, network event,
// injected fault and actor start/stop/crash (format: docs/traces.md). Actors do not call it in
// their handlers: the traced mixin (trace/traced.hpp) reports every message it sees, so a new
// message type cannot be forgotten. The tracer is handed to actors at spawn time; with none,
// nothing is recorded and nothing is paid beyond a null check.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::trace {

class tracer {
public:
  /// The time of an event in nanoseconds: virtual in the simulator, monotonic live.
  using clock_fn = std::function<std::int64_t()>;

  /// Writes to `path` (truncated); `meta_json` is the first line's extra fields as a JSON
  /// object text, e.g. {"clock":"virtual","source":"sim","seed":7}. Throws if it cannot open.
  tracer(const std::string& path, clock_fn now, const std::string& meta_json);
  ~tracer();

  tracer(const tracer&) = delete;
  tracer& operator=(const tracer&) = delete;

  /// Gives actor `id` its stable name and records its start.
  void actor_started(std::uint64_t id, const std::string& name);
  /// Records the end of actor `id`: a stop, or a crash when `reason` is not empty.
  void actor_stopped(std::uint64_t id, const std::string& reason);

  /// A message is being enqueued for some actor (`element` is its mailbox element): remember
  /// the event during which it was sent (this thread's current event) as its parent.
  void message_sent(const void* element);

  /// Actor `to` is about to handle `element`; records the event, which becomes this thread's
  /// current event until handled_done(). `rendering` is CAF's to_string of the content.
  void message_handling(const void* element, std::uint64_t from, std::uint64_t to,
                        const std::string& rendering, bool response);
  void handling_done();

  /// A network event (`action`: accept, read, write, close, lost); it stays this thread's
  /// current event until handling_done(), so the messages it triggers name it as their cause.
  /// `extra_json` holds the action's own fields, e.g. "\"bytes\":4,\"data\":\"hi\"".
  void network(const char* action, std::uint64_t conn, const std::string& extra_json);

  /// An injected fault (simulator only).
  void fault(const std::string& kind, const std::string& target);

  std::uint64_t events() const { return seq_; }

private:
  struct link {
    std::uint64_t parent;
    std::uint64_t cause;
  };

  const std::string& name_of(std::uint64_t id);
  void write(std::string line);
  std::uint64_t begin_event(link origin); ///< assigns seq, makes it current; caller holds mtx_

  std::mutex mtx_;
  int fd_ = -1;
  clock_fn now_;
  std::uint64_t seq_ = 0;
  std::map<std::uint64_t, std::string> names_;
  std::unordered_map<const void*, link> in_flight_; ///< element -> its sending event
  std::string scratch_;
};

/// JSON string literal for `s` (quotes included), valid UTF-8 even if `s` is not.
std::string json_string(const std::string& s);

} // namespace parley::trace
