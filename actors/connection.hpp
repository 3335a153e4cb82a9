// The connection actor: one per client. A protocol-neutral shell that frames the client's byte
// stream, holds input back while a line waits for an answer or a flood, writes output, and runs
// the client's life from accept to close; what the client's lines mean is its session's, chosen
// once at spawn (sessions/line, sessions/irc; see actors/connection_shell.hpp). It sees the
// network only through the transport's typed messages (net/transport.hpp), so the same code
// serves TCP clients and simulated ones.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/authenticator.hpp"
#include "actors/directory.hpp"
#include "actors/room.hpp"
#include "net/transport.hpp"

namespace parley {

/// A protocol's session: the table of operations the connection shell calls
/// (actors/connection_shell.hpp). Each protocol provides one (sessions/line/line_session.hpp,
/// sessions/irc/irc_session.hpp); the listener a client came through decides which.
struct session_kind;

struct connection_config {
  /// The protocol its connections speak; spawn_server fills in the line protocol's or IRC's
  /// when it is left null.
  const session_kind* session = nullptr;
  std::string host_cloak = "parley"; ///< the host part of every user's IRC mask
  std::size_t max_line_bytes = 512;        ///< longer input lines are refused
  std::size_t max_output_bytes = 1024 * 1024; ///< unflushed output before a slow reader is dropped
  std::size_t max_pending_lines = 32;      ///< queued input lines before reading pauses
  std::uint32_t max_failed_logins = 3;     ///< then the connection is closed
  std::uint32_t failed_login_delay_ms = 1000; ///< times the number of failures so far
  std::uint32_t login_timeout_ms = 60000;  ///< to finish logging in
  bool allow_register = true;
  std::size_t min_password_length = 6;
  std::string default_room = "lobby";
  // IRC (protocol irc only)
  std::string server_name = "parley.local"; ///< prefix of every numeric and server message
  std::string network_name = "Parley";
  std::vector<std::string> motd;            ///< empty: 422 (no MOTD)
  bool irc_require_account = false;         ///< true: SASL or PASS is needed to register
  std::uint32_t irc_ping_interval_ms = 120000; ///< an idle IRC client is PINGed (0: never)
  std::uint32_t irc_ping_timeout_ms = 60000;   ///< and dropped if it sends nothing back in time
  std::vector<std::string> irc_operators;      ///< accounts that may OPER (with their password)
  /// Flood control: each IRC line costs this much (0 turns flood control off) ...
  std::uint32_t irc_flood_penalty_ms = 500;
  /// ... and a client may run this far ahead of the clock before its input waits.
  std::uint32_t irc_flood_burst_ms = 10000;
  /// Wall-clock time = the actor clock + this offset (IRC TIME, server-time, topic and WHOIS
  /// sign-on times). Live it is set at start-up; the simulator sets a fixed epoch so runs stay
  /// reproducible.
  std::int64_t wall_clock_offset_ms = 0;
  /// Told the session kind's name ("line", "irc") and the command's ("join", "PRIVMSG": as in
  /// session_kind::command_names) each time a session's command table hands a line to that
  /// command's handler. It observes only; the simulator's coverage report (sim/coverage.hpp)
  /// counts with it. Empty: nothing is told.
  std::function<void(const char* session, const char* command)> on_command;
};

/// The actors a connection talks to, handed over at spawn time.
struct connection_deps {
  net::transport_actor transport;
  directory_actor directory;
  authenticator_actor auth;
  trace::tracer* tracer = nullptr; ///< records the connection's messages, if set
};

/// Tell the client the server is going down, then close.
struct shut_down_connection {
  std::string reason;
};

// Timers: the connection sets login_delay_elapsed and flood_resume for itself; the listener
// sends login_timed_out (login_timeout_ms after the accept, to every connection, logged in or
// not) and idle_check (at its IRC idle sweeps).
struct login_delay_elapsed {};
struct login_timed_out {};
struct idle_check {}; ///< IRC: time to see whether the client has gone quiet
struct flood_resume {}; ///< IRC: a throttled client's input may go on

using connection_actor = member_actor::extend_with<net::sink_actor>::extend<
  caf::reacts_to<shut_down_connection>, caf::reacts_to<login_delay_elapsed>,
  caf::reacts_to<login_timed_out>, caf::reacts_to<idle_check>, caf::reacts_to<flood_resume>>;

/// `cfg` is shared with the listener's other connections (it never changes).
connection_actor spawn_connection(caf::actor_system& sys, net::connection_id id, std::string peer,
                                  connection_deps deps,
                                  std::shared_ptr<const connection_config> cfg);

template <class F> typename F::result_type inspect(F& f, shut_down_connection& x) {
  return f(caf::meta::type_name("shut_down_connection"), x.reason);
}
template <class F> typename F::result_type inspect(F& f, login_delay_elapsed&) {
  return f(caf::meta::type_name("login_delay_elapsed"));
}
template <class F> typename F::result_type inspect(F& f, login_timed_out&) {
  return f(caf::meta::type_name("login_timed_out"));
}
template <class F> typename F::result_type inspect(F& f, idle_check&) {
  return f(caf::meta::type_name("idle_check"));
}
template <class F> typename F::result_type inspect(F& f, flood_resume&) {
  return f(caf::meta::type_name("flood_resume"));
}

} // namespace parley
