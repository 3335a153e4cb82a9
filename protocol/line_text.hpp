// Every line the line protocol sends, formatted in one place (the line protocol's equivalent of
// a numerics table). Lines end in CRLF so telnet shows them right. The formats are documented in
// docs/protocol-line.md; tests and simulated clients parse them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/room_event.hpp"

namespace parley::protocol::text {

std::string info(std::string_view msg);                     ///< "*** msg"
std::string error(std::string_view msg);                    ///< "ERROR msg"
std::string chat(std::string_view room, std::string_view sender, std::string_view line);
std::string action(std::string_view room, std::string_view sender, std::string_view line);
std::string room_notice(std::string_view room, std::string_view msg); ///< "[room] *** msg"
std::string private_from(std::string_view sender, std::string_view line);
std::string private_to(std::string_view target, std::string_view line);

/// How a room event or private message reads in the line protocol; "" for one it does not show
/// (an AWAY).
std::string render_line(const room_event& ev);

/// Joins names with single spaces.
std::string join(const std::vector<std::string>& names);

std::string greeting();
std::string name_prompt();
std::string password_prompt(std::string_view name);
std::string new_password_prompt(std::string_view name, std::size_t min_length);
std::string help();

} // namespace parley::protocol::text
