// Internal to the connection actor: its state and the functions its two source files share
// (connection.cpp: input, output and lifecycle; session.cpp: login and the command table).
#pragma once

#include <deque>

#include "caf/all.hpp"

#include "actors/connection.hpp"
#include "protocol/line_codec.hpp"
#include "trace/traced_self.hpp"

namespace parley::detail {

enum class phase { awaiting_name, awaiting_password, awaiting_new_password, chatting, closed };

struct connection_state {
  net::connection_id id = 0;
  std::string peer;
  connection_deps deps;
  connection_config cfg;
  protocol::line_decoder decoder{512};
  std::deque<protocol::decoded_line> pending; ///< input waiting for the line before it
  bool busy = false;    ///< a line's request is in flight: later lines wait (ordering guarantee)
  bool reading = true;  ///< false while input is paused for back-pressure
  phase ph = phase::awaiting_name;
  std::string name;     ///< the name being logged in, then the logged-in name
  bool claimed = false; ///< the directory holds `name` for this session
  std::uint32_t failed_logins = 0;
  std::string room_name; ///< current room, empty when in none
  room_actor room;
  std::uint64_t unflushed = 0; ///< bytes written but not yet flushed by the transport
};

using connection_self = trace::stateful_self<connection_actor, connection_state>;

// Output and lifecycle (connection.cpp).
void write(connection_self self, std::string text);
void write_shared(connection_self self, const shared_text& text);
void finish(connection_self self, const std::string& reason, bool close_socket);
void line_done(connection_self self); ///< the current line is handled: go on with the next

// The session (session.cpp).
void start_session(connection_self self);
void handle_line(connection_self self, std::string line);
void login_delay_over(connection_self self);
void room_failed(connection_self self, const caf::actor_addr& who);

} // namespace parley::detail
