// The line protocol's session (telnet-style: a greeting, name and password prompts, then chat
// lines and slash commands), as a table of operations for the connection shell.
#pragma once

namespace parley {

struct session_kind;

/// The line protocol's operations (sessions/line/line_session.cpp); one table for all clients.
const session_kind& line_session();

} // namespace parley
