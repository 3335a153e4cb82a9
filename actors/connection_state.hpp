// Internal to the connection actor: its state and the functions its two source files share
// (connection.cpp: input, output and lifecycle; session.cpp: login and the command table).
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "caf/all.hpp"

#include "actors/connection.hpp"
#include "protocol/line_codec.hpp"
#include "trace/traced_self.hpp"

namespace parley::detail {

enum class phase { awaiting_name, awaiting_password, awaiting_new_password, chatting, closed };

/// The IRCv3 capabilities the server offers, in the alphabetical order CAP LS and LIST name them
/// (their names: cap_names in irc_session.cpp).
enum class irc_cap : std::uint8_t {
  account_tag,
  away_notify,
  echo_message,
  message_tags,
  multi_prefix,
  sasl,
  server_time,
  count
};

/// A client's enabled capabilities, a bit each: a std::set of their names cost every IRC client
/// 48 bytes and a string comparison per lookup on the message path.
class irc_cap_set {
public:
  bool has(irc_cap c) const { return (bits_ >> static_cast<unsigned>(c)) & 1u; }
  void set(irc_cap c, bool on) {
    auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(c));
    bits_ = on ? static_cast<std::uint8_t>(bits_ | bit) : static_cast<std::uint8_t>(bits_ & ~bit);
  }

private:
  static_assert(static_cast<unsigned>(irc_cap::count) <= 8, "one byte holds them all");
  std::uint8_t bits_ = 0;
};

/// What an IRC session keeps beyond the shared connection state (irc_session.cpp).
struct irc_session_state {
  std::string nick;  ///< the nick asked for with NICK (normalised), before and after registration
  std::string user;  ///< from USER
  std::string realname;
  std::string pass;  ///< from PASS, until registration uses it
  bool cap_negotiating = false; ///< CAP LS/REQ seen and no CAP END yet: registration waits
  irc_cap_set caps;             ///< enabled capabilities
  std::string account;          ///< the account SASL authenticated, if any
  bool sasl_waiting = false;    ///< AUTHENTICATE PLAIN sent, waiting for the payload
  std::string away;             ///< the away message, empty when here
  std::map<std::string, room_actor> channels; ///< room name -> room, for rooms joined
  caf::actor_clock::time_point last_input;    ///< when the client last sent anything
  /// When the server PINGed, while it awaits any input.
  std::optional<caf::actor_clock::time_point> ping_sent;
  bool oper = false;      ///< a server operator (OPER): user mode +o
  bool invisible = false; ///< user mode +i
  std::uint64_t once_issued = 0;       ///< counter behind this session's deliver_text::once ids
  /// Flood control: the classic ircd "message time", which every line moves forward by the
  /// penalty; input waits while it runs more than the allowed burst ahead of the clock.
  caf::actor_clock::time_point flood_time;
  bool throttled = false; ///< input waits for flood_resume
};

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
  protocol::line_decoder decoder{512};
  line_queue pending; ///< input waiting for the line before it
  bool busy = false;    ///< a line's request is in flight: later lines wait (ordering guarantee)
  bool reading = true;  ///< false while input is paused for back-pressure
  phase ph = phase::awaiting_name;
  std::string name;     ///< the name being logged in, then the logged-in name
  bool claimed = false; ///< the directory holds `name` for this session
  std::uint32_t failed_logins = 0;
  std::string room_name; ///< current room, empty when in none
  room_actor room;
  caf::actor_clock::time_point signed_on;  ///< when the login or registration completed (WHOIS)
  caf::actor_clock::time_point last_spoke; ///< its last chat line or message (WHOIS idle time)
  irc_session_state irc;       ///< used by IRC connections only
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

// The line protocol's session (session.cpp).
void start_session(connection_self self);
std::vector<std::string> line_command_names(); ///< the line command table's names, in order
void handle_line(connection_self self, std::string line);
void login_delay_over(connection_self self);
void room_failed(connection_self self, const caf::actor_addr& who);

// The IRC session (irc_session.cpp).
void irc_start(connection_self self);
std::vector<std::string> irc_command_names(); ///< the IRC command table's names, in order
void irc_handle_line(connection_self self, std::string line);
void irc_line_too_long(connection_self self);
void irc_leave_all(connection_self self, const std::string& reason);
void irc_room_failed(connection_self self, const caf::actor_addr& who);
void irc_idle_check(connection_self self);
void irc_deliver(connection_self self, const deliver_text& x);
void irc_removed_from(connection_self self, const std::string& room);
void irc_killed(connection_self self, const end_session& x);
describe_member_result irc_describe(connection_self self);
/// Whether the next IRC line may be handled now; if not, input waits for a flood_resume.
bool irc_flood_gate(connection_self self);

} // namespace parley::detail
