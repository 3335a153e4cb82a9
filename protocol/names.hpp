// User and room names: what is allowed and how names compare. Both are case-insensitive and
// kept in lower case, so "Alice" and "alice" are one account and "#Lobby" is room "lobby".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

constexpr std::size_t max_name_length = 32;

/// The normalised user name, or nothing when `name` breaks the rules: 1 to 32 characters,
/// letters, digits, '_' and '-', starting with a letter.
std::optional<std::string> normalize_user_name(std::string_view name);

/// Like normalize_user_name, but a leading '#' is allowed and dropped.
std::optional<std::string> normalize_room_name(std::string_view name);

/// The rule, for error messages.
const char* name_rule();

} // namespace parley::protocol
