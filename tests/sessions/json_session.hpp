// A third protocol, compiled only into the tests: JSON lines. It shows that a protocol is one
// session_kind table (actors/connection_shell.hpp) and touches no file in actors/.
#pragma once

namespace parley {
struct session_kind;
}

namespace parley::testing {

/// One JSON object per line. The client sends {"name":N} to sign on (an anonymous name, as an
/// IRC nick without an account), then {"join":ROOM} and {"say":TEXT}; the server answers
/// {"hello":...}, {"welcome":N}, {"joined":ROOM,"members":[...]}, {"error":...}, and every room
/// event as {"event":TEXT} (the event's line-protocol wording).
const session_kind& json_session();

} // namespace parley::testing
