// Base64 decoding (RFC 4648), for SASL PLAIN payloads: the IRC session decodes them, and the
// simulator's oracle reads them back from client transcripts. CAF-free.
#pragma once

#include <optional>
#include <string>

namespace parley::protocol {

/// The decoded bytes, or nothing if `in` holds a character outside the base64 alphabet.
inline std::optional<std::string> base64_decode(const std::string& in) {
  static const std::string chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=')
      break;
    auto pos = chars.find(c);
    if (pos == std::string::npos)
      return std::nullopt;
    buf = (buf << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  return out;
}

} // namespace parley::protocol
