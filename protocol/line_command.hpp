// What a logged-in line-protocol client's line asks for (docs/protocol-line.md): nothing (an
// empty line), a chat line, or a command with its argument. The session (sessions/line/) acts
// on it; the parsing is here, free of actors, so that fuzz/fuzz_line.cpp can reach it.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace parley::protocol {

struct chat_input {
  enum class kind {
    empty,   ///< an empty line: ignored
    say,     ///< a chat line; `text` is what to post ("//text" posts "/text")
    command, ///< "/name arg": `name` in lower case, `arg` everything after the first space
  };
  kind what = kind::empty;
  std::string text;
  std::string name;
  std::string arg;
};

/// Classifies one line of a logged-in client (already checked with check_line).
chat_input parse_chat_line(std::string_view line);

/// "/msg NAME TEXT": the argument split at its first space into NAME and TEXT (TEXT is "" when
/// there is no space).
std::pair<std::string, std::string> split_first_word(std::string_view arg);

} // namespace parley::protocol
