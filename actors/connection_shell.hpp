// The connection shell's contract with the protocol sessions (sessions/): the shell's state, the
// table of operations a session provides (session_kind), and the shell functions sessions call
// (output, requests that hold back later lines, the failed-login pause, lifecycle). The shell
// knows framing, back-pressure, output, routes and the connection's life; what lines mean, and
// every word the client reads, are its session's. Only connection.cpp and sessions/ include it.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "caf/all.hpp"

#include "actors/connection.hpp"
#include "protocol/line_codec.hpp"
#include "trace/traced_self.hpp"

namespace parley::detail {

/// Where a connection is in its life. Legal steps: logging_in -> chatting -> closed, and
/// logging_in -> closed. A session keeps finer steps of its own (the line protocol's prompts).
enum class phase { logging_in, chatting, closed };

/// What a session keeps for itself: each protocol derives its own and creates it in
/// session_kind::start. The shell only owns it.
struct session_state {
  virtual ~session_state() = default;
};

/// Why the shell ends a connection on the session's behalf; the session says it to the client.
enum class farewell_reason { server_shutting_down, login_timed_out };

/// Input lines waiting their turn: a vector with a moving front. (A std::deque allocates about
/// 600 bytes as soon as it exists, for every idle connection; this holds nothing once drained.)
class line_queue {
public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  protocol::decoded_line& front() { return items_[head_]; }
  void push_back(protocol::decoded_line l) { items_.push_back(std::move(l)); }
  void pop_front() {
    if (++head_ == items_.size())
      clear();
  }
  void clear() {
    std::vector<protocol::decoded_line>{}.swap(items_);
    head_ = 0;
  }

private:
  std::vector<protocol::decoded_line> items_;
  std::size_t head_ = 0;
};

struct connection_state {
  net::connection_id id = 0;
  std::string peer;
  connection_deps deps;
  /// Shared by every connection of a listener: thousands of idle clients hold one copy.
  std::shared_ptr<const connection_config> cfg;
  const session_kind* kind = nullptr; ///< cfg->session: the protocol's operations
  std::unique_ptr<session_state> session; ///< the protocol's own state
  protocol::line_decoder decoder{512};
  line_queue pending; ///< input waiting for the line before it
  bool busy = false;    ///< a line's request is in flight: later lines wait (ordering guarantee)
  bool held = false;    ///< the session holds input back until flood_resume (flood control)
  bool reading = true;  ///< false while input is paused for back-pressure
  phase ph = phase::logging_in;
  std::string name;     ///< the name being logged in, then the logged-in name
  bool claimed = false; ///< the directory holds `name` for this session
  std::uint32_t failed_logins = 0;
  caf::actor_clock::time_point signed_on;  ///< when the login or registration completed (WHOIS)
  caf::actor_clock::time_point last_spoke; ///< its last chat line or message (WHOIS idle time)
  /// The rest of a multi-step line (IRC JOIN #a,#b): runs when the current step's answer is in,
  /// before any later line.
  std::function<void()> continuation;
};

using connection_self = trace::stateful_self<connection_actor, connection_state>;

// Output and lifecycle (connection.cpp).
void write(connection_self self, std::string text);
/// `once`: see net::write_bytes (an event several rooms send, shown once).
void write_shared(connection_self self, const shared_text& text, std::uint64_t once = 0);
void finish(connection_self self, const std::string& reason, bool close_socket);
/// Where and how rooms may write this client's events themselves (join_room::route).
delivery_route route_for(connection_self self);
/// Tells `room` this client's new rendering (after an IRC CAP REQ).
void route_deliveries(connection_self self, const room_actor& room, const std::string& name);
/// A join is over and its own lines are written (or it failed): the room's events for this
/// client, kept back by the transport since the room admitted it, may go out (release_fan_out).
void join_written(connection_self self);
void line_done(connection_self self); ///< the current line is handled: go on with the next
/// Login or registration is complete: the session is chatting from now on.
void start_chatting(connection_self self);
/// Counts a failed login (wrong password). True: that was the last one allowed, and the
/// session should say goodbye and finish. Otherwise input pauses for a delay that grows with
/// each failure, then session_kind::login_delay_over runs and the next line is handled.
bool count_failed_login(connection_self self);
/// Flood control: input waits for `wait`, then goes on (a flood_resume to itself).
void hold_input(connection_self self, caf::timespan wait);
/// The command table's row `command` is about to run (the coverage hook, if any).
void tell_command(connection_self self, const char* command);

/// Starts a request whose answer the current line waits for: later lines stay queued until
/// `on_result` (or `on_error`) has run, which is what gives the protocols their ordering
/// guarantee. Either callback may start another request or timer that the line waits for.
template <class Result, class Dest, class Msg, class OnResult, class OnError>
void await_reply(connection_self self, const Dest& dest, Msg msg, OnResult on_result,
                 OnError on_error) {
  self->state.busy = true;
  self->request(dest, caf::infinite, std::move(msg))
    .then(
      [self, on_result](Result& result) mutable {
        self->state.busy = false;
        on_result(result);
        if (!self->state.busy)
          line_done(self);
      },
      [self, on_error](caf::error& err) mutable {
        self->state.busy = false;
        on_error(err);
        if (!self->state.busy)
          line_done(self);
      });
}

} // namespace parley::detail

namespace parley {

/// A protocol's session as the connection shell sees it: one table of operations, chosen once at
/// spawn (connection_config::session), in the spirit of ngIRCd's command table. The shell calls
/// nothing else of a session, so a new protocol is a new table and touches no file in actors/.
/// Operations marked "may be null" are skipped when null.
struct session_kind {
  using self_t = detail::connection_self;
  const char* name = "";                 ///< "line", "irc": the coverage hook and docs use it
  std::size_t extra_line_bytes = 0;      ///< framing allowance beyond max_line_bytes (IRC tags)
  std::vector<std::string> (*command_names)() = nullptr; ///< the command table's, in order

  // The connection's life.
  void (*start)(self_t) = nullptr; ///< creates the session's state; greets the client, or not
  /// Says goodbye before the shell closes the connection (shutdown, login timeout).
  void (*farewell)(self_t, detail::farewell_reason why, const std::string& detail) = nullptr;
  void (*killed)(self_t, const end_session&) = nullptr; ///< an operator ended it; must finish
  /// The line that turns a connection away before it has an actor or a session (the listener's
  /// limits: server full, shutting down, per-address limits); the listener then closes it.
  /// May be null: the line protocol's "ERROR why".
  std::string (*refusal)(const std::string& why) = nullptr;
  /// The connection is finishing: leave every room (before the shell releases the name).
  void (*leave_rooms)(self_t, const std::string& reason) = nullptr;

  // Input, one line at a time (the shell holds later lines while one waits).
  void (*input_seen)(self_t) = nullptr;     ///< any bytes arrived (may be null)
  bool (*may_take_line)(self_t) = nullptr;  ///< false: hold input (hold_input); may be null
  void (*handle_line)(self_t, std::string line) = nullptr;
  void (*line_too_long)(self_t) = nullptr;
  void (*login_delay_over)(self_t) = nullptr; ///< after count_failed_login's pause (may be null)
  /// The listener's idle sweep (idle_check); null: the listener sends none.
  void (*idle_check)(self_t) = nullptr;
  /// Whether a traced read after login carries a secret (IRC OPER's password): the label to
  /// show instead of the bytes, or null. May be null (nothing secret after login).
  const char* (*secret_in_read)(const std::string& rendering) = nullptr;

  // Rooms and events.
  void (*fill_route)(self_t, delivery_route&) = nullptr; ///< rendering; null transport: deliver
  void (*deliver)(self_t, const deliver_text&) = nullptr;
  void (*removed_from)(self_t, const std::string& room) = nullptr; ///< kicked, or the room ended
  void (*room_failed)(self_t, const caf::actor_addr& room) = nullptr; ///< a room crashed
  /// WHOIS of this client: the shell fills in idle and sign-on times.
  void (*describe)(self_t, describe_member_result&) = nullptr;
};

} // namespace parley
