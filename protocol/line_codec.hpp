// Framing for the line protocol, free of CAF and sockets: turns a byte stream that arrives in
// arbitrary pieces into lines (LF, CRLF or a lone CR end a line), enforces the line-length limit,
// and classifies lines that are not clean text. Fully unit-tested in tests/test_line_codec.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::protocol {

struct decoded_line {
  enum class kind {
    line,     ///< a complete line, terminator removed
    too_long, ///< the line exceeded the limit; its bytes up to the next terminator are dropped
  };
  kind what;
  std::string text;
};

class line_decoder {
public:
  explicit line_decoder(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  /// Consumes `bytes` and appends every line it completes to `out`.
  void feed(std::string_view bytes, std::vector<decoded_line>& out);

  /// True while part of a line is buffered (the client vanished mid-line if the stream ends now).
  bool mid_line() const { return !partial_.empty() || discarding_; }

  std::size_t buffered_bytes() const { return partial_.size(); }

private:
  void end_line(std::vector<decoded_line>& out);

  std::size_t max_;
  std::string partial_;
  bool after_cr_ = false;   // a CR ended the last line: a following LF belongs to it
  bool discarding_ = false; // inside an over-long line
};

/// Why a complete line is not acceptable text.
enum class line_problem { none, nul_byte, invalid_utf8, control_character };

/// Checks that a line is valid UTF-8 without NUL or other C0 control characters (TAB allowed).
line_problem check_line(std::string_view line);

/// A readable description of a problem, for the error line sent to the client.
const char* describe(line_problem p);

} // namespace parley::protocol
