// Line framing and text validation of the line protocol (protocol/line_codec.hpp).
#include <catch2/catch.hpp>

#include "protocol/line_codec.hpp"
#include "protocol/names.hpp"

using namespace parley::protocol;

namespace {

std::vector<std::string> lines_of(line_decoder& d, std::initializer_list<std::string> chunks) {
  std::vector<decoded_line> out;
  for (const auto& c : chunks)
    d.feed(c, out);
  std::vector<std::string> r;
  for (auto& l : out)
    r.push_back(l.what == decoded_line::kind::line ? l.text : "<too long>");
  return r;
}

} // namespace

TEST_CASE("LF, CRLF and lone CR all end a line") {
  line_decoder d{512};
  CHECK(lines_of(d, {"a\nb\r\nc\rd\n"}) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("a CRLF split across reads ends one line, not two") {
  line_decoder d{512};
  CHECK(lines_of(d, {"hello\r", "\nworld\r", "\n"}) ==
        std::vector<std::string>{"hello", "world"});
}

TEST_CASE("two CRs in a row are two line ends (the second line is empty)") {
  line_decoder d{512};
  CHECK(lines_of(d, {"a\r\rb\n"}) == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("bytes split anywhere, even one at a time, give the same lines") {
  std::string input = "first line\r\nsecond\nthird\r";
  line_decoder whole{512};
  auto expected = lines_of(whole, {input});
  line_decoder bytewise{512};
  std::vector<decoded_line> out;
  for (char c : input)
    bytewise.feed(std::string(1, c), out);
  std::vector<std::string> got;
  for (auto& l : out)
    got.push_back(l.text);
  CHECK(got == expected);
  CHECK(got == std::vector<std::string>{"first line", "second", "third"});
}

TEST_CASE("a partial line is held until its end arrives") {
  line_decoder d{512};
  CHECK(lines_of(d, {"par"}).empty());
  CHECK(d.mid_line());
  CHECK(lines_of(d, {"tial\n"}) == std::vector<std::string>{"partial"});
  CHECK_FALSE(d.mid_line());
}

TEST_CASE("a line over the limit is reported once and the next line is fine") {
  line_decoder d{8};
  CHECK(lines_of(d, {"12345678\n"}) == std::vector<std::string>{"12345678"});
  CHECK(lines_of(d, {"123456789", "abcdef", "\nok\n"}) ==
        std::vector<std::string>{"<too long>", "ok"});
  CHECK(d.buffered_bytes() == 0);
}

TEST_CASE("the decoder never buffers more than the limit") {
  line_decoder d{16};
  std::vector<decoded_line> out;
  for (int i = 0; i < 1000; ++i)
    d.feed(std::string(100, 'x'), out);
  CHECK(d.buffered_bytes() <= 16);
  CHECK(out.size() == 1);
}

TEST_CASE("line validation") {
  CHECK(check_line("hello, world\tand tabs") == line_problem::none);
  CHECK(check_line("gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80") == line_problem::none);
  CHECK(check_line(std::string("a\0b", 3)) == line_problem::nul_byte);
  CHECK(check_line("\xff\xfe") == line_problem::invalid_utf8);
  CHECK(check_line("\xc3") == line_problem::invalid_utf8);          // truncated sequence
  CHECK(check_line("\xc0\xaf") == line_problem::invalid_utf8);      // overlong
  CHECK(check_line("\xed\xa0\x80") == line_problem::invalid_utf8);  // surrogate
  CHECK(check_line("\xf4\x90\x80\x80") == line_problem::invalid_utf8); // above U+10FFFF
  CHECK(check_line("esc \x1b[31m red") == line_problem::control_character);
  CHECK(check_line("del \x7f") == line_problem::control_character);
}

TEST_CASE("user and room names") {
  CHECK(normalize_user_name("Alice") == std::optional<std::string>{"alice"});
  CHECK(normalize_user_name("bob_2-x") == std::optional<std::string>{"bob_2-x"});
  CHECK_FALSE(normalize_user_name(""));
  CHECK_FALSE(normalize_user_name("2bob"));
  CHECK_FALSE(normalize_user_name("bob smith"));
  CHECK_FALSE(normalize_user_name(std::string(33, 'a')));
  CHECK(normalize_user_name(std::string(32, 'a')));
  CHECK(normalize_room_name("#Games") == std::optional<std::string>{"games"});
  CHECK_FALSE(normalize_room_name("#"));
}
