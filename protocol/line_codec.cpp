// Line framing and text validation for the line protocol (see line_codec.hpp).
#include "protocol/line_codec.hpp"

namespace parley::protocol {

void line_decoder::end_line(std::vector<decoded_line>& out) {
  if (!discarding_)
    out.push_back({decoded_line::kind::line, std::move(partial_)});
  partial_.clear();
  discarding_ = false;
}

void line_decoder::feed(std::string_view bytes, std::vector<decoded_line>& out) {
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n')
        continue; // the LF of a CRLF whose CR already ended the line
    }
    if (c == '\n' || c == '\r') {
      after_cr_ = (c == '\r');
      end_line(out);
      continue;
    }
    if (discarding_)
      continue;
    if (partial_.size() >= max_) {
      // Report once, as soon as the limit is crossed, then drop the rest of this line.
      out.push_back({decoded_line::kind::too_long, {}});
      partial_.clear();
      discarding_ = true;
      continue;
    }
    partial_.push_back(c);
  }
}

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is malformed (overlong forms,
// surrogates and code points above U+10FFFF count as malformed).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80)
    return 1;
  else if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if (i + n > s.size())
    return 0;
  if (b(i + 1) < lo || b(i + 1) > hi)
    return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF)
      return 0;
  return n;
}

} // namespace

line_problem check_line(std::string_view line) {
  for (std::size_t i = 0; i < line.size();) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == 0)
      return line_problem::nul_byte;
    if ((c < 0x20 && c != '\t') || c == 0x7F)
      return line_problem::control_character;
    auto n = utf8_sequence_length(line, i);
    if (n == 0)
      return line_problem::invalid_utf8;
    i += n;
  }
  return line_problem::none;
}

const char* describe(line_problem p) {
  switch (p) {
    case line_problem::nul_byte:
      return "line contains a NUL byte";
    case line_problem::invalid_utf8:
      return "line is not valid UTF-8";
    case line_problem::control_character:
      return "line contains control characters";
    default:
      return "line is fine";
  }
}

} // namespace parley::protocol
