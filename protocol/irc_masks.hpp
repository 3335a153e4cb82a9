// IRC ban masks (nick!user@host with * and ? wildcards): how a mask given to MODE +b is
// completed and compared. Names compare case-insensitively, as everywhere in Parley. CAF-free.
#pragma once

#include <string>
#include <string_view>

namespace parley::protocol::irc {

/// Completes and lower-cases a mask: "bob" -> "bob!*@*", "*@host" -> "*!*@host",
/// "bob!u" -> "bob!u@*".
std::string normalize_mask(std::string_view mask);

/// Whether `mask` (normalised, with wildcards) matches the full `who` (nick!user@host).
bool mask_matches(std::string_view mask, std::string_view who);

} // namespace parley::protocol::irc
