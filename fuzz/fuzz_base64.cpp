// Fuzz target: base64 as the IRC session decodes SASL PLAIN payloads (protocol/base64.hpp;
// `AUTHENTICATE <payload>`), and the PLAIN split the session makes of the result
// (authzid NUL authcid NUL password). docs/fuzzing.md. Asserts:
//  - base64_decode accepts exactly the strings over the base64 alphabet up to the first '='
//    (what follows a '=' is ignored), and yields floor(6n/8) bytes for n such characters;
//  - round trip: decoding the encoding of any bytes gives them back, and re-encoding what a
//    payload of whole 4-character groups decodes to gives the payload back;
//  - the PLAIN split of any decoded payload stays inside it.
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "protocol/base64.hpp"

using parley::protocol::base64_decode;

namespace {

const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out.push_back(alphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size())
      v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in{parley::fuzz::as_text(data, size)};
  auto decoded = base64_decode(in);
  auto body = in.substr(0, in.find('='));
  bool valid = body.find_first_not_of(alphabet) == std::string::npos;
  FUZZ_CHECK(decoded.has_value() == valid);
  if (decoded) {
    FUZZ_CHECK(decoded->size() == body.size() * 6 / 8);
    if (body.size() % 4 == 0) // whole groups: the encoding is canonical
      FUZZ_CHECK(encode(*decoded) == body);
    // The session's PLAIN split (sessions/irc/capabilities.cpp, sasl_plain).
    auto first = decoded->find('\0');
    auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
    if (second != std::string::npos)
      FUZZ_CHECK(first < second && second < decoded->size());
  }
  FUZZ_CHECK(base64_decode(encode(in)) == in);
  return 0;
}
