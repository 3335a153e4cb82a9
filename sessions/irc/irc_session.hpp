// The IRC session (RFC 1459/2812 with IRCv3 capabilities), as a table of operations for the
// connection shell.
#pragma once

namespace parley {

struct session_kind;

/// IRC's operations (sessions/irc/session.cpp); one table for all clients.
const session_kind& irc_session();

} // namespace parley
