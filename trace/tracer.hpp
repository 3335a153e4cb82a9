// The trace recorder: one JSON Lines file of every message between actors, network event,
// injected fault and actor start/stop/crash (format: docs/traces.md). Actors do not call it in
// their handlers: the traced mixin (trace/traced.hpp) reports every message it sees, so a new
// message type cannot be forgotten. The tracer is handed to actors at spawn time; with none,
// nothing is recorded and nothing is paid beyond a null check.
//
// How a line reaches the disk: the file is mapped (MAP_SHARED) in windows of up to 64 MiB
// reserved ahead with fallocate(2), and every event is copied into the mapping, its newline
// last. Pages of a shared file mapping belong to the page cache, not to the process, so a crash
// (even kill -9) loses at most the line being copied; what follows the last line of a crashed
// recording is zero bytes up to the reserved size, which `parley trace` ignores. A clean close
// cuts the file to its exact length. Where the file cannot be mapped or reserved (a file system
// without fallocate, a pipe), each line is written with its own write(2) instead.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include <string_view>
#include <unordered_map>

#include "trace/spin_mutex.hpp"

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

  /// Where a message comes from: the event during which it was sent, and that event's cause.
  struct link {
    std::uint64_t parent;
    std::uint64_t cause;
  };

  /// The links of the messages waiting in one actor's mailbox, in the order they arrived (the
  /// traced mixin keeps one per actor). An actor mostly handles its messages in that order, so
  /// the one it takes is nearly always the first; a message handled out of order (a response
  /// awaited while others wait) is searched for. Nothing is allocated per message.
  class pending_links {
  public:
    pending_links() = default;
    pending_links(const pending_links&) = delete;
    pending_links& operator=(const pending_links&) = delete;
    void put(const void* element, link l);
    link take(const void* element); ///< {0, 0} if unknown (a message that was not enqueued)
  private:
    struct entry {
      const void* element;
      link origin;
    };
    spin_mutex mtx_;
    std::unique_ptr<entry[]> ring_;
    std::size_t mask_ = 0; ///< capacity - 1 (a power of two), when ring_ is allocated
    std::size_t head_ = 0;
    std::size_t size_ = 0;
  };

  /// The link of a message sent now from this thread: its current event, if it has one.
  link origin() const;

  /// Actor `to` is about to handle a message that came from `origin`; records the event, which
  /// becomes this thread's current event until handling_done(). `rendering` is CAF's rendering
  /// of the content, "(type(arguments))", after the actor's render filter.
  void message_handling(link origin, std::uint64_t from, std::uint64_t to,
                        std::string_view rendering, bool response);
  void handling_done();

  /// A network event (`action`: accept, read, write, write_many, close, lost); it stays this
  /// thread's current event until handling_done(), so the messages it triggers name it as their
  /// cause. `extra_json` holds the action's own fields, e.g. "\"bytes\":4,\"data\":\"hi\"".
  void network(const char* action, std::uint64_t conn, const std::string& extra_json);

  /// An injected fault (simulator only).
  void fault(const std::string& kind, const std::string& target);

  std::uint64_t events() const {
    std::lock_guard<spin_mutex> guard{mtx_};
    return seq_;
  }

  /// The trace file's output: a growing shared mapping (see the top of this file).
  class output;

private:
  const std::string& name_of(std::uint64_t id); ///< JSON string literal; caller holds mtx_
  std::uint64_t begin_event(link origin); ///< assigns seq, makes it current; caller holds mtx_

  mutable spin_mutex mtx_;
  std::unique_ptr<output> out_;
  clock_fn now_;
  std::uint64_t seq_ = 0;
  std::unordered_map<std::uint64_t, std::string> names_; ///< id -> name as a JSON string literal
};

/// JSON string literal for `s` (quotes included), valid UTF-8 even if `s` is not.
std::string json_string(std::string_view s);
/// `"conns":[2,[4,7],9]`: the connections of a write_many network event, sorted, a run of
/// consecutive ids written as [first,last] (here 2, 4, 5, 6, 7 and 9). `except`: an id of `ids`
/// left out (a fan-out's sender), or 0.
std::string conns_json(const std::vector<std::uint64_t>& ids, std::uint64_t except = 0);
/// conns_json with a memory: a busy room fans out to the same few member lists again and again,
/// and sorting and writing one costs microseconds, comparing it a few dozen nanoseconds. Keeps
/// at most 64 lists. Not thread-safe: one per recording actor (the TCP transport).
class conns_json_cache {
public:
  const std::string& get(const std::vector<std::uint64_t>& ids, std::uint64_t except = 0);

private:
  struct entry {
    std::vector<std::uint64_t> ids;
    std::uint64_t except = 0;
    std::string json;
  };
  std::unordered_map<std::uint64_t, entry> by_hash_;
};
/// Appends the JSON string literal for `s` to `out`.
void append_json_string(std::string& out, std::string_view s);

} // namespace parley::trace
